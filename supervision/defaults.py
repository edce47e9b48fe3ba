"""The default Wijklab rubric: criteria with behavioural descriptors for four levels.

The descriptors are the same for every niveau: the rubric is level-blind,
students of niveau 4, 5 and 6 are judged on what they do, not on their diploma.
Stored as data (not gettext): coordinators edit the wording in the database.
"""

from typing import Any

from django.db import IntegrityError, transaction

from supervision.models import Category, Level

# Criterion positions: each category in its own range, ten apart, so new ones fit in between.
CATEGORY_OFFSET = {Category.WERKNEMERSVAARDIGHEDEN: 1000, Category.VAKINHOUDELIJK: 2000}

DEFAULT_RUBRIC_NAME = "Wijklab-rubric werkplekleren"
DEFAULT_RUBRIC_DESCRIPTION = (
    "Beoordeling op werknemersvaardigheden (beroepshouding) en vakinhoudelijk handelen, "
    "voor alle niveaus gelijk: onvoldoende, in ontwikkeling, voldoende, goed."
)

# (category, name, description, [onvoldoende, in ontwikkeling, voldoende, goed])
DEFAULT_CRITERIA: list[tuple[str, str, str, list[str]]] = [
    (
        Category.WERKNEMERSVAARDIGHEDEN,
        "Op tijd en aanwezig",
        "Aanwezig zijn op de afgesproken tijden en plekken, en tijdig afmelden.",
        [
            "Komt regelmatig te laat of is afwezig zonder vooraf bericht te geven.",
            "Is meestal op tijd; meldt te laat komen of afwezigheid soms pas achteraf.",
            "Is op tijd en aanwezig; meldt zich vooraf af als het echt niet anders kan.",
            "Is altijd op tijd en voorbereid, meldt zich tijdig af en regelt zelf een overdracht.",
        ],
    ),
    (
        Category.WERKNEMERSVAARDIGHEDEN,
        "Afspraken nakomen",
        "Afspraken met team, bewoners, partners en begeleiders.",
        [
            "Komt afspraken vaak niet na en laat dan niets van zich horen.",
            "Komt de meeste afspraken na, maar moet er soms aan herinnerd worden.",
            "Komt afspraken na en laat op tijd weten als iets niet lukt.",
            "Komt afspraken consequent na, bewaakt ook gezamenlijke afspraken en maakt nieuwe als iets verandert.",
        ],
    ),
    (
        Category.WERKNEMERSVAARDIGHEDEN,
        "Initiatief nemen",
        "Zelf zien wat er moet gebeuren en het oppakken.",
        [
            "Wacht af tot iemand zegt wat er moet gebeuren.",
            "Pakt taken op als ze worden aangeboden en komt soms met een eigen idee.",
            "Ziet zelf wat er moet gebeuren en pakt het op binnen de eigen rol.",
            "Komt met voorstellen, zet ze samen met anderen in gang en betrekt bewoners en partners erbij.",
        ],
    ),
    (
        Category.WERKNEMERSVAARDIGHEDEN,
        "Feedback vragen en gebruiken",
        "Openstaan voor feedback, erom vragen en er iets mee doen.",
        [
            "Vraagt geen feedback en reageert afwerend als die wordt gegeven.",
            "Staat open voor feedback als die wordt gegeven, maar doet er nog weinig mee.",
            "Vraagt zelf om feedback en past het eigen handelen zichtbaar aan.",
            "Vraagt gericht feedback aan verschillende mensen, geeft zelf opbouwende feedback en laat zien wat het "
            "oplevert.",
        ],
    ),
    (
        Category.WERKNEMERSVAARDIGHEDEN,
        "Samenwerken",
        "Gelijkwaardig samenwerken in het gemengde team en in het duo.",
        [
            "Werkt vooral alleen, deelt weinig informatie en houdt zich niet aan de rolverdeling.",
            "Werkt mee als het gevraagd wordt; deelt informatie niet altijd op tijd.",
            "Werkt gelijkwaardig samen in team en duo, deelt informatie en neemt de eigen rol.",
            "Versterkt de samenwerking: benut de kwaliteiten van teamgenoten van elk niveau en helpt het team bij "
            "knelpunten.",
        ],
    ),
    (
        Category.WERKNEMERSVAARDIGHEDEN,
        "Professionele houding en communicatie",
        "Toon, taal en gedrag naar bewoners, partners en collega's.",
        [
            "Communiceert ongepast of onduidelijk en houdt zich niet aan omgangsafspraken.",
            "Communiceert meestal respectvol, maar past toon en taal nog niet goed aan de situatie aan.",
            "Communiceert respectvol en helder en houdt zich aan de beroepscode en de privacyafspraken.",
            "Past toon, taal en houding bewust aan elke situatie aan en is daarin een voorbeeld voor anderen.",
        ],
    ),
    (
        Category.WERKNEMERSVAARDIGHEDEN,
        "Verantwoordelijkheid en zelfstandigheid",
        "Eigen taken dragen en weten wanneer je hulp inschakelt.",
        [
            "Neemt geen verantwoordelijkheid voor eigen taken en legt de oorzaak van problemen bij anderen.",
            "Voert taken uit met veel sturing en vraagt pas laat om hulp.",
            "Voert eigen taken zelfstandig uit en vraagt op tijd hulp als dat nodig is.",
            "Draagt verantwoordelijkheid voor eigen taken en het teamresultaat, kent de eigen grenzen en schakelt "
            "tijdig de juiste persoon in.",
        ],
    ),
    (
        Category.WERKNEMERSVAARDIGHEDEN,
        "Reflecteren",
        "Terugkijken op het eigen handelen en daarvan leren.",
        [
            "Kijkt niet terug op het eigen handelen of beschrijft alleen wat er gebeurde.",
            "Beschrijft wat goed en minder goed ging, maar nog zonder verklaring of leerdoel.",
            "Onderzoekt het eigen handelen, benoemt oorzaken en formuleert concrete leerdoelen.",
            "Reflecteert ook op eigen waarden en aannames, verbindt dat met theorie en stuurt het eigen leren bij.",
        ],
    ),
    (
        Category.VAKINHOUDELIJK,
        "Contact leggen en aansluiten bij de leefwereld van bewoners",
        "Laagdrempelig contact en vertrouwen opbouwen.",
        [
            "Maakt moeilijk contact met bewoners of praat vooral vanuit het eigen perspectief.",
            "Maakt contact met bewoners die zelf openstaan, maar sluit nog niet altijd aan bij hun taal en leefwereld.",
            "Legt laagdrempelig contact, luistert actief en sluit aan bij taal, cultuur en leefwereld van bewoners.",
            "Bouwt ook met moeilijk bereikbare bewoners een vertrouwensrelatie op en weet wat er voor hen echt toe "
            "doet.",
        ],
    ),
    (
        Category.VAKINHOUDELIJK,
        "Signaleren en vraagverheldering",
        "Zorgen en risico's opmerken en de vraag achter de vraag vinden.",
        [
            "Merkt zorgen of risico's niet op, of neemt de eerste vraag over zonder door te vragen.",
            "Merkt signalen op, maar bespreekt ze nog niet of pas laat.",
            "Signaleert zorgen en risico's, bespreekt ze tijdig met begeleider of team en verheldert samen met de "
            "bewoner de vraag.",
            "Ziet patronen achter signalen, vindt samen met de bewoner de vraag achter de vraag en weet wanneer "
            "opschalen nodig is.",
        ],
    ),
    (
        Category.VAKINHOUDELIJK,
        "Netwerken en samenwerkingspartners inschakelen",
        "De sociale kaart van de wijk kennen en gebruiken.",
        [
            "Kent de partners in de wijk niet en verwijst niet door.",
            "Kent een paar partners en verwijst door met hulp van de begeleider.",
            "Kent de sociale kaart van de wijk, verwijst gericht door en legt zelf contact met partners.",
            "Bouwt actief aan het netwerk rond bewoners, verbindt partners met elkaar en benut het eigen netwerk van "
            "bewoners.",
        ],
    ),
    (
        Category.VAKINHOUDELIJK,
        "Plannen en organiseren van ondersteuning of activiteiten",
        "Van plan naar uitvoering, samen met bewoners en partners.",
        [
            "Maakt geen plan; ondersteuning of activiteiten verlopen ongestructureerd.",
            "Maakt met hulp een plan, maar bewaakt planning en taken nog niet.",
            "Plant en organiseert ondersteuning of activiteiten met bewoners en partners en houdt het overzicht.",
            "Organiseert zelfstandig, stuurt bij als het anders loopt en laat bewoners zoveel mogelijk zelf de regie "
            "houden.",
        ],
    ),
    (
        Category.VAKINHOUDELIJK,
        "Rapporteren en verantwoorden",
        "Feitelijk vastleggen en verantwoorden wat je doet.",
        [
            "Rapporteert niet, te laat of onvolledig en mengt feiten en meningen.",
            "Rapporteert met hulp; verslagen zijn nog niet altijd feitelijk of volledig.",
            "Rapporteert tijdig, feitelijk en volledig volgens de afspraken en de privacyregels.",
            "Rapporteert helder en beknopt, onderbouwt keuzes en gebruikt rapportages om het werk te verantwoorden "
            "en te verbeteren.",
        ],
    ),
]


def create_default_rubric(apps: Any, using: str = "default") -> None:
    """Create the default rubric with its criteria, unless there is one. Idempotent.

    Run by the data migration (supervision/migrations/0004_default_rubric.py) and again after
    every ``migrate``/``flush`` (supervision.apps), so a database always has it and no request
    ever writes it. ``apps``: the app registry, or a migration's historical one. Criteria are
    only added to a new rubric, so coordinators' edits (renames, archived criteria) survive.
    """
    try:
        rubric_model = apps.get_model("supervision", "Rubric")
        criterion_model = apps.get_model("supervision", "Criterion")
        descriptor_model = apps.get_model("supervision", "LevelDescriptor")
    except LookupError:  # migrated back to before the rubric existed
        return
    if rubric_model._default_manager.using(using).filter(is_default=True).exists():
        return
    try:
        with transaction.atomic(using=using):
            rubric = rubric_model._default_manager.using(using).create(
                name=DEFAULT_RUBRIC_NAME, description=DEFAULT_RUBRIC_DESCRIPTION, is_default=True
            )
            counters = dict.fromkeys(CATEGORY_OFFSET, 0)
            for category, name, description, descriptors in DEFAULT_CRITERIA:
                counters[category] += 10
                criterion = criterion_model._default_manager.using(using).create(
                    rubric=rubric,
                    category=category,
                    name=name,
                    description=description,
                    position=CATEGORY_OFFSET[category] + counters[category],
                )
                descriptor_model._default_manager.using(using).bulk_create(
                    descriptor_model(criterion=criterion, level=level, text=text)
                    for level, text in zip(Level.values, descriptors, strict=True)
                )
    except IntegrityError:  # created at the same moment by another process
        return
