"""Demo assignments for the Rotterdam-Zuid & Capelle cohort, and a few students' preferences.

Idempotent: an assignment is keyed on (title, organisation) and only created
when missing; preferences are only seeded for a student who has none yet, so
a second run (or a ranking changed in the demo) is left alone.
"""

import datetime as dt
import zlib
from dataclasses import dataclass, field

from django.utils import timezone

from assignments.models import Assignment, AssignmentCompetence, AssignmentStatus, Phase, Preference
from wijklab.demo import DemoContext
from wijklab.models import Role, User

# Competence indexes into wijklab.demo.COMPETENCES.
CONTACT, GESPREK, ACTIVITEITEN, NETWERK, SIGNALEREN, VRAAG, RAPPORT, JONGEREN, OUDEREN, TALEN, DIGITAAL, PLANNING = (
    range(12)
)
ESSENTIAL, IMPORTANT, NICE = 3, 2, 1


@dataclass
class DemoAssignment:
    title: str
    organisation: str
    neighbourhood: str
    phase: str
    description: str
    target_group: str
    goal: str
    expected_result: str
    competences: list[tuple[int, int]]
    starts_on: dt.date
    ends_on: dt.date
    team_size_min: int = 3
    team_size_max: int = 5
    min_niveau: tuple[int, int, int] = (1, 0, 1)
    requires_hbo: bool = False
    hours_per_week: int = 8
    contact: str = ""
    status: str = AssignmentStatus.OPEN
    extra: dict = field(default_factory=dict)


ASSIGNMENTS = [
    DemoAssignment(
        title="Ontmoetingsplek voor eenzame ouderen in Schollevaar",
        organisation="Welzijn Capelle",
        neighbourhood="Schollevaar",
        phase=Phase.VERKENNING,
        description=(
            "In Schollevaar wonen veel ouderen alleen. De ouderenadviseurs horen steeds vaker dat mensen "
            "dagen niemand spreken, maar de activiteiten in het wijkcentrum trekken vooral de vaste groep.\n\n"
            "Wij zoeken een team dat **met de ouderen zelf** uitzoekt wat een goede ontmoetingsplek zou zijn:\n\n"
            "- ga langs bij de koffieochtend en de bibliotheek, en doe mee met de boodschappenbus;\n"
            "- voer korte gesprekken aan de deur samen met de vrijwilligers van de Ouderenbond;\n"
            "- kijk welke plekken in de wijk er al zijn (kerk, supermarkt, bankjes bij het winkelcentrum).\n\n"
            "Het gaat nadrukkelijk om *samen doen*: liever één keer mee boodschappen doen dan tien enquêtes."
        ),
        target_group="Ouderen (70+) die alleen wonen in Schollevaar",
        goal="Welke ontmoetingsplek zouden eenzame ouderen echt bezoeken, en wat houdt hen nu tegen?",
        expected_result="Een advies met drie concrete ideeën, getoetst bij minstens vijftien ouderen.",
        competences=[(OUDEREN, ESSENTIAL), (CONTACT, ESSENTIAL), (ACTIVITEITEN, IMPORTANT), (NETWERK, NICE)],
        starts_on=dt.date(2026, 10, 5),
        ends_on=dt.date(2027, 1, 29),
        contact="werkbegeleider.capelle",
    ),
    DemoAssignment(
        title="Jongeren in Feijenoord: wat missen zij in de wijk?",
        organisation="DOCK",
        neighbourhood="Feijenoord",
        phase=Phase.VERKENNING,
        description=(
            "Het jongerenwerk van DOCK ziet op het Afrikaanderplein en bij de Maashaven groepjes jongeren "
            "die nergens binnen komen. Wat missen zij? Een plek, een baan, iemand die luistert?\n\n"
            "### Wat je doet\n\n"
            "1. Samen met de jongerenwerker 's middags en 's avonds de straat op.\n"
            "2. Gesprekken in de taal en de stijl van de jongeren, geen vragenlijsten.\n"
            "3. Met een paar jongeren zelf een kleine activiteit opzetten en kijken wat werkt.\n\n"
            "Je werkt in duo's: één houdt het overzicht en de contacten met partners, de ander "
            "is vooral op straat."
        ),
        target_group="Jongeren van 14 tot 23 jaar in Feijenoord",
        goal="In beeld brengen wat jongeren in Feijenoord missen en wat ze zelf willen oppakken.",
        expected_result="Een verslag in woord en beeld en één activiteit die jongeren zelf dragen.",
        competences=[(JONGEREN, ESSENTIAL), (CONTACT, IMPORTANT), (GESPREK, IMPORTANT), (RAPPORT, NICE)],
        starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2027, 2, 26),
        team_size_min=4,
        team_size_max=6,
        min_niveau=(1, 1, 1),
        contact="werkbegeleider",
    ),
    DemoAssignment(
        title="Taalcafé voor nieuwkomers in de Afrikaanderwijk",
        organisation="DOCK",
        neighbourhood="Afrikaanderwijk",
        phase=Phase.BEGELEIDING,
        description=(
            "Elke donderdag is er een taalcafé in het buurthuis aan de Hillevliet. Er komen statushouders, "
            "arbeidsmigranten en buurtbewoners die hun Nederlands willen oefenen. De vrijwilligers kunnen "
            "de groei niet bijhouden.\n\n"
            "Jullie draaien het taalcafé mee, begeleiden kleine gespreksgroepen en zoeken uit hoe "
            "deelnemers de weg vinden naar **werk, school en gezondheidszorg**. Spreek je Arabisch, "
            "Turks, Pools of Tigrinya? Heel welkom, maar het is geen voorwaarde."
        ),
        target_group="Nieuwkomers en anderstalige bewoners van de Afrikaanderwijk",
        goal="Meer bewoners laagdrempelig laten oefenen met Nederlands en hen verbinden met de wijk.",
        expected_result="Een draaiend taalcafé met een vaste opzet die vrijwilligers na de periode overnemen.",
        competences=[(TALEN, ESSENTIAL), (ACTIVITEITEN, IMPORTANT), (CONTACT, IMPORTANT)],
        starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2027, 3, 31),
        hours_per_week=6,
        contact="dock",
    ),
    DemoAssignment(
        title="Gezinnen met opvoedvragen en schulden in Feijenoord",
        organisation="Wijkteam Feijenoord",
        neighbourhood="Feijenoord",
        phase=Phase.BEGELEIDING,
        description=(
            "Het wijkteam begeleidt gezinnen waar opvoedvragen en geldzorgen samenkomen. Soms zijn er "
            "**zorgen over de veiligheid van kinderen**. Daarom werkt op deze opdracht altijd een "
            "niveau 6-student samen met een geregistreerde (SKJ) jeugdprofessional van het wijkteam, en "
            "kijkt een hbo-docent mee.\n\n"
            "De mbo-student gaat mee op huisbezoek, helpt met de administratie en de weekplanning, en is "
            "vaak degene bij wie ouders het eerst hun verhaal kwijt kunnen. De niveau 6-student houdt "
            "samen met de jeugdprofessional zicht op risico's en op het plan.\n\n"
            "> Vertrouwelijkheid is hier extra belangrijk: je tekent een geheimhoudingsverklaring."
        ),
        target_group="Gezinnen met kinderen tot 18 jaar, met opvoedvragen en schulden",
        goal="Gezinnen stabiliseren: overzicht in geld en weekritme, en veiligheid van de kinderen bewaken.",
        expected_result="Per gezin een werkend plan van aanpak en een warme overdracht aan het wijkteam.",
        competences=[(SIGNALEREN, ESSENTIAL), (VRAAG, ESSENTIAL), (GESPREK, IMPORTANT), (RAPPORT, IMPORTANT)],
        starts_on=dt.date(2026, 11, 2),
        ends_on=dt.date(2027, 4, 30),
        team_size_min=3,
        team_size_max=4,
        min_niveau=(1, 0, 1),
        requires_hbo=True,
        hours_per_week=12,
        contact="wijkteam",
    ),
    DemoAssignment(
        title="Digitaal spreekuur: hulp bij DigiD en toeslagen in Bloemhof",
        organisation="Buurtwerk",
        neighbourhood="Bloemhof",
        phase=Phase.BEGELEIDING,
        description=(
            "Bewoners van Bloemhof lopen vast op brieven van de Belastingdienst, DigiD en formulieren van "
            "de gemeente. In de bibliotheek aan de Putselaan organiseren wij twee keer per week een "
            "**digitaal spreekuur**.\n\n"
            "Jullie helpen bewoners stap voor stap, leggen uit in gewone taal en signaleren wanneer er "
            "meer aan de hand is (schulden, eenzaamheid) zodat het wijkteam kan aansluiten."
        ),
        target_group="Bewoners die moeite hebben met digitale overheidszaken",
        goal="Bewoners zelfredzamer maken in digitale zaken en problemen vroeg signaleren.",
        expected_result="Een spreekuur met vaste werkwijze en een overzicht van veelvoorkomende vragen.",
        competences=[(DIGITAAL, ESSENTIAL), (CONTACT, IMPORTANT), (TALEN, NICE), (SIGNALEREN, IMPORTANT)],
        starts_on=dt.date(2026, 10, 12),
        ends_on=dt.date(2027, 1, 29),
        team_size_min=2,
        team_size_max=4,
        hours_per_week=6,
        contact="buurtwerk",
    ),
    DemoAssignment(
        title="Buurtmoestuin Hillesluis: bewoners samen aan de slag",
        organisation="Buurtwerk",
        neighbourhood="Hillesluis",
        phase=Phase.VERKENNING,
        description=(
            "Op een braakliggend stuk grond achter de Beijerlandselaan mag een buurtmoestuin komen. "
            "De gemeente betaalt de aanleg, maar wie gaat er tuinieren en wie houdt het vol?\n\n"
            "Ga in gesprek met bewoners, scholen en de moskee, zoek trekkers en maak samen een plan "
            "voor het eerste seizoen."
        ),
        target_group="Bewoners van Hillesluis, gezinnen en ouderen",
        goal="Een groep bewoners vinden en verbinden die de moestuin zelf gaat dragen.",
        expected_result="Een bewonersgroep met een plan voor het eerste tuinseizoen.",
        competences=[(ACTIVITEITEN, ESSENTIAL), (NETWERK, IMPORTANT), (PLANNING, IMPORTANT)],
        starts_on=dt.date(2027, 2, 1),
        ends_on=dt.date(2027, 6, 25),
        contact="buurtwerk",
    ),
    DemoAssignment(
        title="Mantelzorgers in Oostgaarde in beeld",
        organisation="Welzijn Capelle",
        neighbourhood="Oostgaarde",
        phase=Phase.VERKENNING,
        description=(
            "Veel mantelzorgers in Oostgaarde zijn niet bekend bij het steunpunt. Ze zorgen voor een "
            "partner, ouder of kind en raken zelf overbelast.\n\n"
            "Zoek uit **waar deze mantelzorgers zijn** en wat hen zou helpen: respijtzorg, lotgenoten, "
            "praktische hulp? Werk samen met huisartsen, apotheek en thuiszorg."
        ),
        target_group="Mantelzorgers in Oostgaarde",
        goal="Verborgen mantelzorgers bereiken en hun vraag verhelderen.",
        expected_result="Een kaart van de mantelzorg in de wijk en een advies voor het steunpunt.",
        competences=[(VRAAG, ESSENTIAL), (OUDEREN, IMPORTANT), (GESPREK, IMPORTANT), (RAPPORT, NICE)],
        starts_on=dt.date(2026, 10, 5),
        ends_on=dt.date(2027, 2, 26),
        contact="welzijncapelle",
    ),
    DemoAssignment(
        title="Waakvlamcontact na de schuldhulp in de Tarwewijk",
        organisation="Wijkteam Feijenoord",
        neighbourhood="Tarwewijk",
        phase=Phase.WAAKVLAM,
        description=(
            "Na een schuldhulptraject valt de begeleiding vaak in één keer weg, en dan gaat het soms "
            "opnieuw mis. Het wijkteam wil bewoners daarom een **waakvlam** bieden: licht, regelmatig "
            "contact.\n\n"
            "Jullie bellen en bezoeken oud-cliënten, vragen hoe het gaat, helpen met kleine dingen en "
            "schakelen het wijkteam in als er signalen zijn van terugval."
        ),
        target_group="Bewoners die een schuldhulptraject hebben afgerond",
        goal="Terugval voorkomen door licht contact na afloop van de hulp.",
        expected_result="Een werkwijze voor waakvlamcontact en een overzicht van signalen van terugval.",
        competences=[(CONTACT, ESSENTIAL), (SIGNALEREN, IMPORTANT), (RAPPORT, IMPORTANT)],
        starts_on=dt.date(2026, 11, 2),
        ends_on=dt.date(2027, 3, 26),
        team_size_min=2,
        team_size_max=4,
        hours_per_week=6,
        contact="wijkteam",
    ),
    DemoAssignment(
        title="Huiswerkbegeleiding en talentontwikkeling in Carnisse",
        organisation="Buurtwerk",
        neighbourhood="Carnisse",
        phase=Phase.BEGELEIDING,
        description=(
            "Na schooltijd komen kinderen van 10 tot 14 jaar naar de huiskamer van Buurtwerk aan de "
            "Carnisselaan. Ze maken huiswerk en doen mee aan sport, muziek of koken.\n\n"
            "Begeleid groepjes kinderen, houd contact met ouders en scholen, en ontdek samen met de "
            "kinderen waar hun talent ligt."
        ),
        target_group="Kinderen van 10 tot 14 jaar en hun ouders",
        goal="Kinderen beter laten presteren op school en hun talenten laten ontdekken.",
        expected_result="Een vaste groep kinderen met een persoonlijk doel, en een afsluitende presentatie.",
        competences=[(JONGEREN, ESSENTIAL), (ACTIVITEITEN, IMPORTANT), (PLANNING, NICE)],
        starts_on=dt.date(2026, 10, 1),
        ends_on=dt.date(2027, 6, 25),
        team_size_min=4,
        team_size_max=6,
        min_niveau=(1, 1, 1),
        contact="buurtwerk",
    ),
    DemoAssignment(
        title="Burenhulp opzetten in Bospolder-Tussendijken",
        organisation="DOCK",
        neighbourhood="Bospolder-Tussendijken",
        phase=Phase.VERKENNING,
        description=(
            "In BoTu willen bewoners elkaar meer helpen: een boodschap doen, een lamp ophangen, even "
            "oppassen. Er zijn losse initiatieven, maar ze kennen elkaar niet.\n\n"
            "Breng de initiatieven in kaart, verbind ze en zet samen met bewoners een eenvoudige "
            "burenhulp op, bijvoorbeeld via een vast aanspreekpunt per portiek."
        ),
        target_group="Bewoners en bewonersinitiatieven in Bospolder-Tussendijken",
        goal="Een netwerk van burenhulp dat bewoners zelf dragen.",
        expected_result="Een overzicht van initiatieven en een proef met burenhulp in twee straten.",
        competences=[(NETWERK, ESSENTIAL), (CONTACT, IMPORTANT), (PLANNING, IMPORTANT), (ACTIVITEITEN, NICE)],
        starts_on=dt.date(2026, 11, 2),
        ends_on=dt.date(2027, 4, 30),
        contact="werkbegeleider",
    ),
    DemoAssignment(
        title="Na de valpreventiecursus: waakvlam voor ouderen in Middelwatering",
        organisation="Welzijn Capelle",
        neighbourhood="Middelwatering",
        phase=Phase.WAAKVLAM,
        description=(
            "Dertig ouderen volgden dit voorjaar de cursus *In Balans*. Na de cursus blijven velen "
            "thuis zitten en bewegen ze weer minder.\n\n"
            "Houd licht contact, nodig uit voor de wandelgroep en zorg dat niemand uit beeld raakt."
        ),
        target_group="Ouderen die de valpreventiecursus volgden",
        goal="Ouderen in beweging en in contact houden na afloop van de cursus.",
        expected_result="Een wandelgroep die zelfstandig doorgaat en een belrooster met vrijwilligers.",
        competences=[(OUDEREN, ESSENTIAL), (CONTACT, IMPORTANT), (RAPPORT, NICE)],
        starts_on=dt.date(2027, 1, 11),
        ends_on=dt.date(2027, 5, 28),
        team_size_min=2,
        team_size_max=4,
        hours_per_week=4,
        contact="werkbegeleider.capelle",
    ),
    DemoAssignment(
        title="Jongerenraad 's-Gravenland",
        organisation="Welzijn Capelle",
        neighbourhood="'s-Gravenland",
        phase=Phase.VERKENNING,
        description=(
            "De gemeente Capelle wil jongeren meer laten meepraten. Kunnen we in 's-Gravenland een "
            "jongerenraad opzetten die echt iets te zeggen heeft?\n\n"
            "*Concept: de precieze vraag stemmen we nog af met de gemeente.*"
        ),
        target_group="Jongeren van 12 tot 18 jaar in 's-Gravenland",
        goal="Jongeren een stem geven in wat er in hun wijk gebeurt.",
        expected_result="Een startende jongerenraad met een eerste eigen voorstel.",
        competences=[(JONGEREN, ESSENTIAL), (PLANNING, IMPORTANT)],
        starts_on=dt.date(2027, 2, 1),
        ends_on=dt.date(2027, 6, 25),
        contact="welzijncapelle",
        status=AssignmentStatus.DRAFT,
    ),
    DemoAssignment(
        title="Jongeren met risico op schooluitval in het Oude Westen",
        organisation="DOCK",
        neighbourhood="Oude Westen",
        phase=Phase.VERKENNING,
        description=(
            "Op twee scholen in het Oude Westen is het verzuim hoog. Achter het verzuim zitten soms "
            "zorgen thuis. Samen met de leerplichtambtenaar en het jeugdteam leggen jullie **contact "
            "met jongeren en hun ouders** en verkennen jullie wat er speelt.\n\n"
            "Omdat het om jeugd met risico's gaat, werkt hier altijd een niveau 6-student mee en kijkt "
            "een hbo-docent mee."
        ),
        target_group="Jongeren van 12 tot 16 jaar met hoog schoolverzuim, en hun ouders",
        goal="Zicht krijgen op wat achter het verzuim zit en jongeren terug naar school helpen.",
        expected_result="Per jongere een gesprek en een advies voor school en jeugdteam.",
        competences=[(JONGEREN, ESSENTIAL), (SIGNALEREN, ESSENTIAL), (GESPREK, IMPORTANT)],
        starts_on=dt.date(2027, 1, 11),
        ends_on=dt.date(2027, 5, 28),
        team_size_min=3,
        team_size_max=5,
        requires_hbo=True,
        hours_per_week=10,
        contact="dock",
        status=AssignmentStatus.DRAFT,
    ),
    DemoAssignment(
        title="Wijkontbijt en bewonersgesprekken in Carnisse",
        organisation="Buurtwerk",
        neighbourhood="Carnisse",
        phase=Phase.VERKENNING,
        description=(
            "Elke eerste zaterdag van de maand is er een wijkontbijt in de Tuin van Carnisse. Het is een "
            "ideaal moment om bewoners te spreken over wat hen bezighoudt.\n\n"
            "Schuif aan, organiseer het ontbijt mee en haal op wat bewoners belangrijk vinden voor de "
            "wijkagenda van volgend jaar."
        ),
        target_group="Bewoners van Carnisse",
        goal="Ophalen wat bewoners belangrijk vinden voor de wijkagenda.",
        expected_result="Een bewonersagenda met de vijf belangrijkste onderwerpen, gedeeld met de gebiedscommissie.",
        competences=[(CONTACT, ESSENTIAL), (ACTIVITEITEN, IMPORTANT), (VRAAG, IMPORTANT), (TALEN, NICE)],
        starts_on=dt.date(2026, 10, 3),
        ends_on=dt.date(2027, 3, 6),
        hours_per_week=4,
        contact="buurtwerk",
    ),
]

# Who posted for each organisation (wijklab.demo.ORGANISATION_CONTACTS).
POSTED_BY = {
    "DOCK": "dock",
    "Welzijn Capelle": "welzijncapelle",
    "Buurtwerk": "buurtwerk",
    "Wijkteam Feijenoord": "wijkteam",
}

# username → [(title, motivation)], in order of preference.
PREFERENCES = {
    "student4": [
        (
            "Ontmoetingsplek voor eenzame ouderen in Schollevaar",
            "Ik werk in de thuiszorg en praat graag met ouderen.",
        ),
        ("Taalcafé voor nieuwkomers in de Afrikaanderwijk", "Ik help mijn buren al met brieven."),
    ],
    "student5": [
        ("Jongeren in Feijenoord: wat missen zij in de wijk?", "Ik ben zelf in Feijenoord opgegroeid."),
        ("Burenhulp opzetten in Bospolder-Tussendijken", "Netwerken vind ik leuk."),
        ("Taalcafé voor nieuwkomers in de Afrikaanderwijk", "Ik spreek Arabisch en Nederlands."),
    ],
    "student6": [
        ("Gezinnen met opvoedvragen en schulden in Feijenoord", "Ik wil me verder ontwikkelen in jeugdzorg."),
        ("Mantelzorgers in Oostgaarde in beeld", "Vraagverheldering is mijn sterke punt."),
        ("Jongeren in Feijenoord: wat missen zij in de wijk?", ""),
    ],
    "mila.bakker": [
        ("Jongeren in Feijenoord: wat missen zij in de wijk?", "Ik train een voetbalteam van jongeren."),
        ("Huiswerkbegeleiding en talentontwikkeling in Carnisse", ""),
    ],
    "fatima.ouali": [
        ("Taalcafé voor nieuwkomers in de Afrikaanderwijk", "Ik spreek Arabisch en Berbers."),
        ("Ontmoetingsplek voor eenzame ouderen in Schollevaar", ""),
    ],
    "ayse.yilmaz": [("Taalcafé voor nieuwkomers in de Afrikaanderwijk", "Ik spreek Turks.")],
    "priya.ramdin": [
        ("Mantelzorgers in Oostgaarde in beeld", "Ik ben zelf mantelzorger voor mijn moeder."),
        ("Gezinnen met opvoedvragen en schulden in Feijenoord", ""),
    ],
    "anouk.meijer": [
        ("Burenhulp opzetten in Bospolder-Tussendijken", "Ik woon in BoTu."),
        ("Gezinnen met opvoedvragen en schulden in Feijenoord", ""),
    ],
    "thomas.vanderberg": [
        ("Gezinnen met opvoedvragen en schulden in Feijenoord", "Signaleren en rapporteren passen bij mij."),
        ("Waakvlamcontact na de schuldhulp in de Tarwewijk", ""),
    ],
    "noor.hendriks": [
        ("Ontmoetingsplek voor eenzame ouderen in Schollevaar", "Ik werk bij een zorgcentrum voor ouderen."),
        ("Mantelzorgers in Oostgaarde in beeld", ""),
        ("Na de valpreventiecursus: waakvlam voor ouderen in Middelwatering", ""),
    ],
    "hanna.wouters": [
        ("Mantelzorgers in Oostgaarde in beeld", "Vraagverheldering wil ik verder leren."),
        ("Ontmoetingsplek voor eenzame ouderen in Schollevaar", "Ik wil ouderen beter leren kennen."),
        ("Gezinnen met opvoedvragen en schulden in Feijenoord", ""),
    ],
    "zeynep.kaya": [
        ("Jongeren in Feijenoord: wat missen zij in de wijk?", ""),
        ("Taalcafé voor nieuwkomers in de Afrikaanderwijk", "Meertaligheid is mijn kracht."),
    ],
}


# The assignments most students want first: a few popular ones make the demo cohort's
# preferences skewed, as real rounds are (and as the formation engine must cope with).
POPULAR = {
    "Jongeren in Feijenoord: wat missen zij in de wijk?": 4,
    "Taalcafé voor nieuwkomers in de Afrikaanderwijk": 3,
    "Huiswerkbegeleiding en talentontwikkeling in Carnisse": 2,
    "Gezinnen met opvoedvragen en schulden in Feijenoord": 2,
}


def _generated_choices(student: object, assignments: list[Assignment]) -> list[Assignment]:
    """Three to five open assignments for a student without explicit preferences, in a fixed order.

    What the student is good at counts (their competences against each
    assignment's, by importance), popularity counts, and a stable per-student
    tie-break stands for taste: the same demo gives the same rankings on
    every machine.
    """
    held = set(student.student_profile.competences.values_list("pk", flat=True))

    def score(assignment: Assignment) -> tuple[float, str]:
        fit = sum(rc.importance for rc in assignment.required_competences.all() if rc.competence_id in held)
        taste = zlib.crc32(f"{student.username}/{assignment.title}".encode()) % 100 / 25
        return (-(fit + POPULAR.get(assignment.title, 0) + taste), assignment.title)

    count = 3 + zlib.crc32(student.username.encode()) % 3
    return sorted(assignments, key=score)[:count]


def seed(ctx: DemoContext) -> None:
    by_title: dict[str, Assignment] = {}
    for item in ASSIGNMENTS:
        organisation = ctx.organisations[item.organisation]
        n4, n5, n6 = item.min_niveau
        assignment, created = Assignment.objects.get_or_create(
            title=item.title,
            organisation=organisation,
            defaults={
                "cohort": ctx.cohort,
                "description": item.description,
                "neighbourhood": ctx.neighbourhoods[item.neighbourhood],
                "phase": item.phase,
                "target_group": item.target_group,
                "goal": item.goal,
                "expected_result": item.expected_result,
                "team_size_min": item.team_size_min,
                "team_size_max": item.team_size_max,
                "min_niveau_4": n4,
                "min_niveau_5": n5,
                "min_niveau_6": n6,
                "requires_hbo": item.requires_hbo,
                "starts_on": item.starts_on,
                "ends_on": item.ends_on,
                "hours_per_week": item.hours_per_week,
                "contact_person": ctx.users.get(item.contact),
                "status": item.status,
                "created_by": ctx.users.get(POSTED_BY[item.organisation], ctx.coordinator),
                "published_at": timezone.now() if item.status == AssignmentStatus.OPEN else None,
            },
        )
        if created:
            AssignmentCompetence.objects.bulk_create(
                AssignmentCompetence(assignment=assignment, competence=ctx.competences[index], importance=importance)
                for index, importance in item.competences
            )
        by_title[item.title] = assignment

    for username, choices in PREFERENCES.items():
        student = ctx.users.get(username)
        if student is None or student.preferences.exists():
            continue
        Preference.objects.bulk_create(
            Preference(student=student, assignment=by_title[title], rank=rank, motivation=motivation)
            for rank, (title, motivation) in enumerate(choices, start=1)
        )

    # Every other student of the cohort ranks some open assignments too: the cohort is ready to form.
    open_assignments = [
        a
        for a in Assignment.objects.filter(cohort=ctx.cohort, status=AssignmentStatus.OPEN)
        .prefetch_related("required_competences")
        .order_by("pk")
    ]
    students = (
        User.objects.filter(student_profile__cohort=ctx.cohort, role=Role.STUDENT, preferences__isnull=True)
        .exclude(username__in=PREFERENCES)
        .select_related("student_profile")
        .order_by("username")
    )
    for student in students:
        Preference.objects.bulk_create(
            Preference(student=student, assignment=assignment, rank=rank)
            for rank, assignment in enumerate(_generated_choices(student, open_assignments), start=1)
        )
