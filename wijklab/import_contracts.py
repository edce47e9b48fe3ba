"""An import-linter contract type: apps talk to each other only through their public modules.

import-linter's own contract types forbid listed modules; none can say "everything except
these". Listing every internal module of every app would let a new one slip through unseen,
so this contract lists what is public instead (see ``[tool.importlinter]`` in pyproject.toml).

An import from one app into another is allowed when the imported module

- is one of the public kinds, matched on its name inside the app (``models``, ``selectors``,
  ``services``, also split by topic as ``formation_selectors`` or in a subpackage as
  ``chat.selectors``), or
- is listed by its full name in ``also_public`` (pure rule modules and the shared kernel).

Imports inside one app are not checked: an app's modules may use each other freely.

Only ``lint-imports`` loads this module (``contract_types`` in pyproject.toml); the site never
imports it, so Django does not need import-linter at runtime.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils


class PublicModulesContract(Contract):
    type_name = "public_modules"

    apps = fields.ListField(subfield=fields.StringField())
    public = fields.ListField(subfield=fields.StringField())
    also_public = fields.SetField(subfield=fields.StringField(), required=False)
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def _app_of(self, module: str) -> str | None:
        top = module.split(".", 1)[0]
        return top if top in self.apps else None  # type: ignore[operator]

    def _is_public(self, module: str, app: str) -> bool:
        if module in (self.also_public or set()):
            return True
        inside = module[len(app) + 1 :]
        return bool(inside) and any(fnmatchcase(inside, pattern) for pattern in self.public)  # type: ignore[union-attr]

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        illegal = []
        for importer in sorted(graph.modules):
            importer_app = self._app_of(importer)
            if importer_app is None:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                imported_app = self._app_of(imported)
                if imported_app is None or imported_app == importer_app or self._is_public(imported, imported_app):
                    continue
                lines = tuple(d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported))
                illegal.append({"importer": importer, "imported": imported, "line_numbers": lines})
        return ContractCheck(
            kept=not illegal,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"illegal": illegal},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Imports of another app's internal modules:", bold=False)
        output.new_line()
        for link in check.metadata["illegal"]:
            lines = ", ".join(map(str, link["line_numbers"]))
            output.print_error(f"- {link['importer']} -> {link['imported']} (l.{lines})", bold=False)
        output.new_line()
        output.print_error(
            "Import its models, selectors or services instead, or list the module in also_public of this "
            "contract in pyproject.toml and say there why.",
            bold=False,
        )
