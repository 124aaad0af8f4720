"""Generate a large, realistic, deterministic DCAT-AP-SE catalogue in Turtle for benchmarks.

Usage::

    python benchmarks/gen_catalog.py --datasets 5000 --out /tmp/cat.ttl [--seed 1]
        [--base https://bench.example.se/] [--changed K]
    python benchmarks/gen_catalog.py --datasets 100000 --per-page 1000 --out /tmp/pages/

or, from another benchmark script::

    from benchmarks.gen_catalog import generate, generate_pages
    ttl = generate(5000, seed=1, changed=10)
    for name, ttl in generate_pages(100000, 1000):  # page001.ttl … page100.ttl, linked by hydra:next
        ...

Each dataset produces about 40 triples (title, description, keywords, themes, publisher, dates,
contact point, access rights, frequency, landing page, identifier, language, spatial coverage and
two distributions), so 5,000 datasets give roughly 200,000 triples. Publishers (``foaf:Agent``) and
contact points (``vcard:Organization``) are described once each and shared between datasets.

Output is a pure function of ``(n, seed, changed, base)``. ``changed=K`` alters the title (sv and
en) and ``dct:modified`` of the first K datasets and nothing else, so two outputs with the same seed
and different ``changed`` values simulate a small change between two harvests.

``generate_pages`` publishes the same datasets (byte for byte, in order) as a Hydra-paged series of
documents; ``generate``'s output does not depend on it.

The Turtle is built with plain string operations (no rdflib serialisation), which keeps generating
5,000 datasets well under a second.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

DEFAULT_BASE = "https://bench.example.se/"

EU = "http://publications.europa.eu/resource/authority/"

PREFIXES = """\
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix org: <http://dataportal.se/organisation/> .
@prefix theme: <{eu}data-theme/> .
@prefix ft: <{eu}file-type/> .
@prefix freq: <{eu}frequency/> .
@prefix ar: <{eu}access-right/> .
@prefix lang: <{eu}language/> .
@prefix country: <{eu}country/> .
@prefix ds: <{base}dataset/> .
@prefix dist: <{base}distribution/> .
@prefix cp: <{base}contact/> .
"""

LICENCES = (
    "<http://creativecommons.org/publicdomain/zero/1.0/>",
    "<https://creativecommons.org/licenses/by/4.0/>",
)

# EU file-type code -> (IANA media type local name, file extension)
FORMATS = {
    "CSV": ("text/csv", "csv"),
    "JSON": ("application/json", "json"),
    "GEOJSON": ("application/geo+json", "geojson"),
    "XML": ("application/xml", "xml"),
    "XLSX": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "PDF": ("application/pdf", "pdf"),
}
GEO_FORMATS = ("GEOJSON", "CSV", "JSON", "XML")
STAT_FORMATS = ("CSV", "XLSX", "JSON", "PDF", "XML")

# EU frequency code -> (Swedish phrase, English phrase)
FREQUENCIES = (
    ("ANNUAL", "årligen", "annually"),
    ("QUARTERLY", "kvartalsvis", "quarterly"),
    ("MONTHLY", "varje månad", "monthly"),
    ("WEEKLY", "varje vecka", "weekly"),
    ("DAILY", "dagligen", "daily"),
    ("IRREG", "oregelbundet", "irregularly"),
    ("CONT", "löpande", "continuously"),
)

# (sv title word, en title word, ascii slug, themes, is_geo, sv description, en description,
#  sv keywords, en keywords)
TOPICS = (
    (
        "Badplatser",
        "Bathing sites",
        "badplatser",
        ("ENVI", "HEAL"),
        True,
        "Allmänna badplatser med läge, faciliteter och provtagningsresultat för badvattenkvalitet.",
        "Public bathing sites with location, facilities and bathing water quality samples.",
        ("badplats", "badvatten", "friluftsliv", "sjöar", "hälsa"),
        ("bathing site", "bathing water", "outdoor recreation", "lakes", "health"),
    ),
    (
        "Hållplatser",
        "Public transport stops",
        "hallplatser",
        ("TRAN",),
        True,
        "Hållplatser för buss, spårvagn och pendeltåg med koordinater och tillgänglighetsuppgifter.",
        "Bus, tram and commuter rail stops with coordinates and accessibility information.",
        ("kollektivtrafik", "hållplats", "buss", "spårvagn", "tillgänglighet"),
        ("public transport", "stop", "bus", "tram", "accessibility"),
    ),
    (
        "Förskolor",
        "Preschools",
        "forskolor",
        ("EDUC", "SOCI"),
        True,
        "Kommunala och fristående förskolor med adress, huvudman och antal avdelningar.",
        "Municipal and independent preschools with address, provider and number of groups.",
        ("förskola", "barnomsorg", "utbildning", "skola", "barn"),
        ("preschool", "childcare", "education", "school", "children"),
    ),
    (
        "Grundskolor",
        "Primary schools",
        "grundskolor",
        ("EDUC",),
        True,
        "Grundskolor med årskurser, elevantal och skolenheternas läge.",
        "Primary schools with grades, pupil numbers and location of each school unit.",
        ("grundskola", "elever", "utbildning", "skolenhet"),
        ("primary school", "pupils", "education", "school unit"),
    ),
    (
        "Luftkvalitet",
        "Air quality",
        "luftkvalitet",
        ("ENVI", "HEAL"),
        False,
        "Timvisa mätvärden för kvävedioxid och partiklar (PM10, PM2,5) från mätstationer i tätorten.",
        "Hourly measurements of nitrogen dioxide and particulate matter (PM10, PM2.5) from urban stations.",
        ("luftkvalitet", "miljöövervakning", "kvävedioxid", "partiklar", "utsläpp"),
        ("air quality", "environmental monitoring", "nitrogen dioxide", "particulate matter", "emissions"),
    ),
    (
        "Detaljplaner",
        "Detailed development plans",
        "detaljplaner",
        ("REGI", "GOVE"),
        True,
        "Gällande och pågående detaljplaner med plangränser, beslutsdatum och planbestämmelser.",
        "Current and ongoing detailed development plans with boundaries, decision dates and regulations.",
        ("detaljplan", "samhällsplanering", "bygglov", "markanvändning"),
        ("detailed plan", "urban planning", "building permit", "land use"),
    ),
    (
        "Trafikolyckor",
        "Road traffic accidents",
        "trafikolyckor",
        ("TRAN", "JUST"),
        True,
        "Polisrapporterade trafikolyckor med personskador, fördelade på olyckstyp och trafikantgrupp.",
        "Police-reported road traffic accidents with injuries, by accident type and road user group.",
        ("trafikolyckor", "trafiksäkerhet", "personskador", "vägar"),
        ("traffic accidents", "road safety", "injuries", "roads"),
    ),
    (
        "Parkeringar",
        "Parking",
        "parkeringar",
        ("TRAN",),
        True,
        "Parkeringsplatser och parkeringshus med taxa, antal platser och platser för rörelsehindrade.",
        "Parking spaces and garages with fees, capacity and spaces for disabled drivers.",
        ("parkering", "trafik", "avgifter", "tillgänglighet"),
        ("parking", "traffic", "fees", "accessibility"),
    ),
    (
        "Cykelstråk",
        "Cycle routes",
        "cykelstrak",
        ("TRAN", "ENVI"),
        True,
        "Cykelvägar och huvudcykelstråk med belysning, beläggning och vinterväghållning.",
        "Cycle paths and main cycle routes with lighting, surface and winter maintenance.",
        ("cykel", "cykelväg", "hållbart resande", "vinterväghållning"),
        ("cycling", "cycle path", "sustainable travel", "winter maintenance"),
    ),
    (
        "Vårdcentraler",
        "Health centres",
        "vardcentraler",
        ("HEAL",),
        True,
        "Vårdcentraler med öppettider, telefonnummer och vilka tjänster som erbjuds på mottagningen.",
        "Health centres with opening hours, phone numbers and services offered at each clinic.",
        ("vårdcentral", "primärvård", "hälsa", "sjukvård"),
        ("health centre", "primary care", "health", "healthcare"),
    ),
    (
        "Bibliotek",
        "Libraries",
        "bibliotek",
        ("EDUC", "SOCI"),
        True,
        "Folkbibliotek och skolbibliotek med öppettider, utlåningsstatistik och tillgänglighet.",
        "Public and school libraries with opening hours, lending statistics and accessibility.",
        ("bibliotek", "kultur", "läsning", "utlåning"),
        ("library", "culture", "reading", "lending"),
    ),
    (
        "Återvinningsstationer",
        "Recycling stations",
        "atervinningsstationer",
        ("ENVI",),
        True,
        "Återvinningsstationer och återvinningscentraler med sorteringsfraktioner och tömningsschema.",
        "Recycling stations and centres with sorted waste fractions and emptying schedules.",
        ("återvinning", "avfall", "sortering", "miljö"),
        ("recycling", "waste", "sorting", "environment"),
    ),
    (
        "Laddstolpar",
        "EV charging points",
        "laddstolpar",
        ("ENER", "TRAN"),
        True,
        "Publika laddpunkter för elbilar med effekt, kontakttyp och ägare.",
        "Public charging points for electric vehicles with power output, connector type and owner.",
        ("laddstolpe", "elbil", "energi", "laddinfrastruktur"),
        ("charging point", "electric vehicle", "energy", "charging infrastructure"),
    ),
    (
        "Lekplatser",
        "Playgrounds",
        "lekplatser",
        ("SOCI",),
        True,
        "Lekplatser med lekredskap, åldersgrupp och senaste säkerhetsbesiktning.",
        "Playgrounds with equipment, age groups and latest safety inspection.",
        ("lekplats", "barn", "parker", "fritid"),
        ("playground", "children", "parks", "leisure"),
    ),
    (
        "Bullerkartläggning",
        "Noise mapping",
        "bullerkartlaggning",
        ("ENVI", "HEAL"),
        True,
        "Strategisk bullerkartläggning av väg- och spårtrafik med ekvivalenta ljudnivåer i dBA.",
        "Strategic noise mapping of road and rail traffic with equivalent sound levels in dBA.",
        ("buller", "miljö", "vägtrafik", "ljudnivå"),
        ("noise", "environment", "road traffic", "sound level"),
    ),
    (
        "Energiförbrukning",
        "Energy consumption",
        "energiforbrukning",
        ("ENER", "GOVE"),
        False,
        "Månatlig förbrukning av el, fjärrvärme och vatten i kommunägda fastigheter och skolor.",
        "Monthly electricity, district heating and water use in publicly owned buildings and schools.",
        ("energi", "el", "fjärrvärme", "fastigheter", "förbrukning"),
        ("energy", "electricity", "district heating", "buildings", "consumption"),
    ),
    (
        "Befolkningsstatistik",
        "Population statistics",
        "befolkningsstatistik",
        ("SOCI", "REGI"),
        False,
        "Befolkning efter ålder, kön och nyckelkodsområde samt födda, döda och flyttningar under året.",
        "Population by age, sex and statistical area, plus births, deaths and migration during the year.",
        ("befolkning", "statistik", "demografi", "flyttningar"),
        ("population", "statistics", "demography", "migration"),
    ),
    (
        "Bygglov",
        "Building permits",
        "bygglov",
        ("GOVE", "REGI"),
        False,
        "Beviljade bygglov, rivningslov och marklov med ärendetyp, handläggningstid och fastighet.",
        "Granted building, demolition and ground works permits with case type, processing time and property.",
        ("bygglov", "samhällsbyggnad", "ärenden", "fastighet"),
        ("building permit", "urban development", "cases", "property"),
    ),
    (
        "Vattenkvalitet i sjöar",
        "Lake water quality",
        "vattenkvalitet-sjoar",
        ("ENVI",),
        True,
        "Provtagning av fosfor, kväve, siktdjup och syrgashalt i sjöar och vattendrag.",
        "Sampling of phosphorus, nitrogen, water transparency and oxygen in lakes and streams.",
        ("vattenkvalitet", "sjöar", "vattendrag", "miljöövervakning", "övergödning"),
        ("water quality", "lakes", "streams", "environmental monitoring", "eutrophication"),
    ),
    (
        "Naturreservat",
        "Nature reserves",
        "naturreservat",
        ("ENVI",),
        True,
        "Naturreservat med avgränsning, föreskrifter, stigar och information för besökare.",
        "Nature reserves with boundaries, regulations, trails and visitor information.",
        ("naturreservat", "naturvård", "friluftsliv", "skyddad natur"),
        ("nature reserve", "nature conservation", "outdoor recreation", "protected areas"),
    ),
    (
        "Upphandlingar",
        "Public procurements",
        "upphandlingar",
        ("ECON", "GOVE"),
        False,
        "Genomförda upphandlingar och ramavtal med leverantör, avtalsperiod och värde i kronor.",
        "Completed procurements and framework agreements with supplier, contract period and value in SEK.",
        ("upphandling", "ramavtal", "leverantörer", "ekonomi"),
        ("procurement", "framework agreement", "suppliers", "economy"),
    ),
    (
        "Trafikflöden",
        "Traffic flows",
        "trafikfloden",
        ("TRAN",),
        True,
        "Uppmätta fordonsflöden per timme och vardagsmedeldygn från slangmätningar och trafikräknare.",
        "Measured vehicle flows per hour and average weekday from tube counts and traffic counters.",
        ("trafikflöde", "trafikmätning", "fordon", "vägar"),
        ("traffic flow", "traffic counting", "vehicles", "roads"),
    ),
    (
        "Äldreboenden",
        "Residential care homes",
        "aldreboenden",
        ("HEAL", "SOCI"),
        True,
        "Särskilda boenden för äldre med antal platser, inriktning och resultat från brukarundersökningar.",
        "Residential care homes for older people with places, specialisation and user survey results.",
        ("äldreomsorg", "särskilt boende", "omsorg", "äldre"),
        ("elderly care", "care home", "social care", "older people"),
    ),
    (
        "Vägarbeten",
        "Road works",
        "vagarbeten",
        ("TRAN",),
        True,
        "Pågående och planerade vägarbeten med avstängningar, omledningar och beräknat slutdatum.",
        "Ongoing and planned road works with closures, diversions and expected completion date.",
        ("vägarbete", "avstängning", "trafikstörning", "gator"),
        ("road works", "closure", "traffic disruption", "streets"),
    ),
    (
        "Offentliga toaletter",
        "Public toilets",
        "offentliga-toaletter",
        ("SOCI", "HEAL"),
        True,
        "Offentliga toaletter med öppettider, avgift, skötbord och tillgänglighetsanpassning.",
        "Public toilets with opening hours, fees, baby changing facilities and accessibility.",
        ("toalett", "tillgänglighet", "service", "offentlig miljö"),
        ("toilet", "accessibility", "service", "public space"),
    ),
    (
        "Bostadsbyggande",
        "Housing construction",
        "bostadsbyggande",
        ("REGI", "ECON"),
        False,
        "Påbörjade och färdigställda bostäder efter hustyp, upplåtelseform och område.",
        "Housing starts and completions by building type, tenure and area.",
        ("bostäder", "bostadsbyggande", "byggande", "statistik"),
        ("housing", "housing construction", "construction", "statistics"),
    ),
    (
        "Parker och grönytor",
        "Parks and green spaces",
        "parker-gronytor",
        ("ENVI", "SOCI"),
        True,
        "Parker, grönytor och skötselområden med ytor i kvadratmeter och skötselklass.",
        "Parks, green spaces and maintenance areas with area in square metres and maintenance class.",
        ("park", "grönyta", "stadsmiljö", "rekreation"),
        ("park", "green space", "urban environment", "recreation"),
    ),
    (
        "Skolresultat",
        "School results",
        "skolresultat",
        ("EDUC",),
        False,
        "Betyg och resultat på nationella prov i årskurs 6 och 9, redovisade per skolenhet och ämne.",
        "Grades and national test results in years 6 and 9, by school unit and subject.",
        ("betyg", "nationella prov", "skola", "utbildning"),
        ("grades", "national tests", "school", "education"),
    ),
    (
        "Felanmälningar",
        "Fault reports",
        "felanmalningar",
        ("GOVE",),
        True,
        "Felanmälningar från invånare om gator, belysning och klotter med status och åtgärdstid.",
        "Fault reports from residents about streets, lighting and graffiti with status and resolution time.",
        ("felanmälan", "gatubelysning", "klotter", "medborgardialog"),
        ("fault report", "street lighting", "graffiti", "citizen dialogue"),
    ),
)

# (sv name, en name, place in titles, e-mail/web domain, kind) -- kind: "k" municipality,
# "r" region, "m" national agency (titles use a county or the whole country as place)
PUBLISHERS = (
    ("Stockholms stad", "City of Stockholm", "Stockholm", "stockholm.se", "k"),
    ("Göteborgs Stad", "City of Gothenburg", "Göteborg", "goteborg.se", "k"),
    ("Malmö stad", "City of Malmö", "Malmö", "malmo.se", "k"),
    ("Uppsala kommun", "Uppsala Municipality", "Uppsala", "uppsala.se", "k"),
    ("Linköpings kommun", "Linköping Municipality", "Linköping", "linkoping.se", "k"),
    ("Örebro kommun", "Örebro Municipality", "Örebro", "orebro.se", "k"),
    ("Västerås stad", "City of Västerås", "Västerås", "vasteras.se", "k"),
    ("Helsingborgs stad", "City of Helsingborg", "Helsingborg", "helsingborg.se", "k"),
    ("Norrköpings kommun", "Norrköping Municipality", "Norrköping", "norrkoping.se", "k"),
    ("Jönköpings kommun", "Jönköping Municipality", "Jönköping", "jonkoping.se", "k"),
    ("Umeå kommun", "Umeå Municipality", "Umeå", "umea.se", "k"),
    ("Lunds kommun", "Lund Municipality", "Lund", "lund.se", "k"),
    ("Borås stad", "City of Borås", "Borås", "boras.se", "k"),
    ("Huddinge kommun", "Huddinge Municipality", "Huddinge", "huddinge.se", "k"),
    ("Eskilstuna kommun", "Eskilstuna Municipality", "Eskilstuna", "eskilstuna.se", "k"),
    ("Nacka kommun", "Nacka Municipality", "Nacka", "nacka.se", "k"),
    ("Gävle kommun", "Gävle Municipality", "Gävle", "gavle.se", "k"),
    ("Halmstads kommun", "Halmstad Municipality", "Halmstad", "halmstad.se", "k"),
    ("Södertälje kommun", "Södertälje Municipality", "Södertälje", "sodertalje.se", "k"),
    ("Sundsvalls kommun", "Sundsvall Municipality", "Sundsvall", "sundsvall.se", "k"),
    ("Växjö kommun", "Växjö Municipality", "Växjö", "vaxjo.se", "k"),
    ("Karlstads kommun", "Karlstad Municipality", "Karlstad", "karlstad.se", "k"),
    ("Botkyrka kommun", "Botkyrka Municipality", "Botkyrka", "botkyrka.se", "k"),
    ("Kristianstads kommun", "Kristianstad Municipality", "Kristianstad", "kristianstad.se", "k"),
    ("Luleå kommun", "Luleå Municipality", "Luleå", "lulea.se", "k"),
    ("Skellefteå kommun", "Skellefteå Municipality", "Skellefteå", "skelleftea.se", "k"),
    ("Östersunds kommun", "Östersund Municipality", "Östersund", "ostersund.se", "k"),
    ("Falu kommun", "Falun Municipality", "Falun", "falun.se", "k"),
    ("Trollhättans stad", "City of Trollhättan", "Trollhättan", "trollhattan.se", "k"),
    ("Kalmar kommun", "Kalmar Municipality", "Kalmar", "kalmar.se", "k"),
    ("Varbergs kommun", "Varberg Municipality", "Varberg", "varberg.se", "k"),
    ("Borlänge kommun", "Borlänge Municipality", "Borlänge", "borlange.se", "k"),
    ("Örnsköldsviks kommun", "Örnsköldsvik Municipality", "Örnsköldsvik", "ornskoldsvik.se", "k"),
    ("Kiruna kommun", "Kiruna Municipality", "Kiruna", "kiruna.se", "k"),
    ("Region Stockholm", "Region Stockholm", "Stockholms län", "regionstockholm.se", "r"),
    ("Västra Götalandsregionen", "Region Västra Götaland", "Västra Götaland", "vgregion.se", "r"),
    ("Region Skåne", "Region Skåne", "Skåne", "skane.se", "r"),
    ("Region Östergötland", "Region Östergötland", "Östergötland", "regionostergotland.se", "r"),
    ("Region Uppsala", "Region Uppsala", "Uppsala län", "regionuppsala.se", "r"),
    ("Region Västerbotten", "Region Västerbotten", "Västerbotten", "regionvasterbotten.se", "r"),
    ("Region Gotland", "Region Gotland", "Gotland", "gotland.se", "r"),
    ("Region Jämtland Härjedalen", "Region Jämtland Härjedalen", "Jämtland Härjedalen", "regionjh.se", "r"),
    ("Trafikverket", "Swedish Transport Administration", "", "trafikverket.se", "m"),
    ("Naturvårdsverket", "Swedish Environmental Protection Agency", "", "naturvardsverket.se", "m"),
    ("Lantmäteriet", "Lantmäteriet", "", "lantmateriet.se", "m"),
    (
        "Sveriges meteorologiska och hydrologiska institut",
        "Swedish Meteorological and Hydrological Institute",
        "",
        "smhi.se",
        "m",
    ),
    ("Boverket", "National Board of Housing, Building and Planning", "", "boverket.se", "m"),
    ("Folkhälsomyndigheten", "Public Health Agency of Sweden", "", "folkhalsomyndigheten.se", "m"),
    ("Statistiska centralbyrån", "Statistics Sweden", "", "scb.se", "m"),
    (
        "Havs- och vattenmyndigheten",
        "Swedish Agency for Marine and Water Management",
        "",
        "havochvatten.se",
        "m",
    ),
)

# Places national agencies publish for (in titles), and districts used in municipal titles.
COUNTIES = (
    "Stockholms län",
    "Uppsala län",
    "Södermanlands län",
    "Östergötlands län",
    "Jönköpings län",
    "Kronobergs län",
    "Kalmar län",
    "Gotlands län",
    "Blekinge län",
    "Skåne län",
    "Hallands län",
    "Västra Götalands län",
    "Värmlands län",
    "Örebro län",
    "Västmanlands län",
    "Dalarnas län",
    "Gävleborgs län",
    "Västernorrlands län",
    "Jämtlands län",
    "Västerbottens län",
    "Norrbottens län",
    "hela Sverige",
)
DISTRICTS = (
    "centrum",
    "norra delarna",
    "södra delarna",
    "östra delarna",
    "västra delarna",
    "Hamnområdet",
    "Gamla staden",
    "Ängsdal",
    "Björkdalen",
    "Sjöstaden",
    "Åkerby",
    "Lövsta",
    "Fålhagen",
    "Östermalm",
    "Söderåsen",
    "Kvarnbacken",
    "Älvstranden",
    "Stensjön",
)

FIRST_YEAR = 2012
LAST_DAY = _dt.date(2024, 12, 31).toordinal()
FIRST_DAY = _dt.date(FIRST_YEAR, 1, 1).toordinal()
CHANGED_MODIFIED = "2025-06-02T08:30:00"


def _esc(text: str) -> str:
    """Escape text for a Turtle short string literal."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def _org_id(index: int) -> str:
    """A stable, unique SE212000XXXX organisation id for publisher number ``index``."""
    return f"SE212000{1000 + index * 173:04d}"


def _publisher_block(index: int) -> str:
    name_sv, name_en, _place, domain, _kind = PUBLISHERS[index]
    oid = _org_id(index)
    return (
        f"org:{oid} a foaf:Agent ;\n"
        f'    foaf:name "{_esc(name_sv)}"@sv, "{_esc(name_en)}"@en .\n\n'
        f"cp:{oid} a vcard:Organization ;\n"
        f'    vcard:fn "{_esc(name_sv)}" ;\n'
        f"    vcard:hasEmail <mailto:opendata@{domain}> .\n\n"
    )


def _normalise_base(base: str) -> str:
    if any(ch in base for ch in '<>"{}|^`\\ '):
        raise ValueError(f"base IRI contains characters not allowed in an IRI: {base!r}")
    if not base.endswith(("/", "#")):
        base += "/"
    return base


def generate(n: int, *, seed: int = 1, changed: int = 0, base: str = DEFAULT_BASE) -> str:
    """Return a DCAT-AP-SE catalogue with ``n`` datasets as Turtle text.

    Deterministic for a given ``(n, seed, changed, base)``. ``changed`` alters the title and
    ``dct:modified`` of the first ``changed`` datasets; every other triple is identical to the
    output with ``changed=0``.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    base = _normalise_base(base)
    changed = max(0, min(changed, n))
    out: list[str] = [PREFIXES.format(eu=EU, base=base), "\n"]
    out.append(_catalog_block(base, n, 0, n))
    for index in range(len(PUBLISHERS)):
        out.append(_publisher_block(index))
    out.extend(_dataset_blocks(n, seed=seed, changed=changed))
    return "".join(out)


def _catalog_block(base: str, n: int, first: int, stop: int) -> str:
    """The dcat:Catalog of a catalogue of ``n`` datasets, listing datasets ``first`` to ``stop - 1``."""
    out: list[str] = []
    add = out.append
    add(
        f"<{base}catalog> a dcat:Catalog ;\n"
        f'    dct:title "Testkatalog för prestandamätning"@sv, "Benchmark test catalogue"@en ;\n'
        f'    dct:description "Syntetisk DCAT-AP-SE-katalog med {n} datamängder för prestandatester '
        f'av skördaren. Innehåller å, ä och ö."@sv, '
        f'"Synthetic DCAT-AP-SE catalogue with {n} datasets for harvester benchmarks."@en ;\n'
        f"    dct:publisher org:{_org_id(0)} ;\n"
        f"    dct:license {LICENCES[0]} ;\n"
        f"    dct:language lang:SWE ;\n"
        f'    dct:modified "2025-01-01T00:00:00"^^xsd:dateTime'
    )
    if stop > first:
        add(" ;\n    dcat:dataset")
        for start in range(first, stop, 12):
            end = min(stop, start + 12)
            add(
                ("\n        " if start == first else ",\n        ")
                + ", ".join(f"ds:{i:06d}" for i in range(start, end))
            )
    add(" .\n\n")
    return "".join(out)


def _dataset_blocks(n: int, *, seed: int, changed: int) -> Iterator[str]:
    """Datasets 0 to ``n - 1`` (each with its two distributions), one Turtle text a dataset."""
    rng = random.Random(seed)
    rand = rng.random
    randrange = rng.randrange
    sample = rng.sample
    n_pub = len(PUBLISHERS)
    pub_ids = [_org_id(i) for i in range(n_pub)]
    topics = [
        (
            _esc(t[0]),
            _esc(t[1]),
            t[2],
            t[3],
            t[4],
            _esc(t[5]),
            _esc(t[6]),
            [_esc(k) for k in t[7]],
            [_esc(k) for k in t[8]],
        )
        for t in TOPICS
    ]
    pubs = [(_esc(p[0]), _esc(p[1]), _esc(p[2]), p[3], p[4]) for p in PUBLISHERS]
    counties = [_esc(c) for c in COUNTIES]
    districts = [_esc(d) for d in DISTRICTS]
    fromordinal = _dt.date.fromordinal
    span = LAST_DAY - FIRST_DAY

    for i in range(n):
        t_sv, t_en, slug, themes, is_geo, d_sv, d_en, kw_sv, kw_en = topics[randrange(len(topics))]
        p = randrange(n_pub)
        p_sv, p_en, p_place, domain, kind = pubs[p]
        oid = pub_ids[p]
        place = p_place if kind != "m" else counties[randrange(len(counties))]
        if kind == "k" and rand() < 0.4:
            district = districts[randrange(len(districts))]
            title_sv = f"{t_sv} i {place} – {district}"
            title_en = f"{t_en} in {place} – {district}"
        else:
            year = 2015 + randrange(10)
            title_sv = f"{t_sv} i {place} {year}"
            title_en = f"{t_en} in {place} {year}"
        f_code, f_sv, f_en = FREQUENCIES[randrange(len(FREQUENCIES))]
        n_sv = 2 + randrange(2)  # 2–3 Swedish keywords
        n_en = 1 + randrange(2)  # 1–2 English keywords
        kws = sample(range(len(kw_sv)), n_sv)
        kwe = sample(range(len(kw_en)), n_en)
        th = themes if len(themes) == 1 or rand() < 0.6 else themes[:1]
        issued_day = FIRST_DAY + randrange(span - 30)
        modified_day = issued_day + randrange(LAST_DAY - issued_day + 1)
        secs = randrange(86400)
        fmts = sample(GEO_FORMATS if is_geo else STAT_FORMATS, 2)
        lic = LICENCES[0] if rand() < 0.6 else LICENCES[1]

        issued = fromordinal(issued_day).isoformat()
        modified = (
            f"{fromordinal(modified_day).isoformat()}"
            f"T{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
        )
        dist_title = title_sv
        if i < changed:
            title_sv += " (reviderad)"
            title_en += " (revised)"
            modified = CHANGED_MODIFIED

        local = f"{i:06d}"
        page = f"https://{domain}/oppna-data/{slug}-{local}"
        keywords = ", ".join([f'"{kw_sv[k]}"@sv' for k in kws] + [f'"{kw_en[k]}"@en' for k in kwe])
        parts = [
            f"ds:{local} a dcat:Dataset ;\n"
            f'    dct:title "{title_sv}"@sv, "{title_en}"@en ;\n'
            f'    dct:description "{d_sv} Området som omfattas är {place}. Uppgifterna uppdateras '
            f'{f_sv} och förvaltas av {p_sv}."@sv, "{d_en} The data covers {place}, is updated '
            f'{f_en} and is maintained by {p_en}."@en ;\n'
            f"    dcat:keyword {keywords} ;\n"
            f"    dcat:theme {', '.join('theme:' + x for x in th)} ;\n"
            f"    dct:publisher org:{oid} ;\n"
            f'    dct:issued "{issued}"^^xsd:date ;\n'
            f'    dct:modified "{modified}"^^xsd:dateTime ;\n'
            f"    dcat:contactPoint cp:{oid} ;\n"
            f"    dct:accessRights ar:PUBLIC ;\n"
            f"    dct:accrualPeriodicity freq:{f_code} ;\n"
            f"    dcat:landingPage <{page}> ;\n"
            f'    dct:identifier "{oid}-{local}" ;\n'
            f"    dct:language lang:SWE ;\n"
            f"    dct:spatial country:SWE ;\n"
            f"    dcat:distribution dist:{local}-1, dist:{local}-2 .\n\n"
        ]
        for j, fmt in enumerate(fmts, 1):
            media, ext = FORMATS[fmt]
            parts.append(
                f"dist:{local}-{j} a dcat:Distribution ;\n"
                f'    dct:title "{dist_title} ({fmt})"@sv ;\n'
                f'    dct:description "Nedladdningsbar fil i {fmt}-format."@sv ;\n'
                f"    dcat:accessURL <https://{domain}/oppna-data/{slug}-{local}/> ;\n"
                f"    dcat:downloadURL <https://{domain}/oppna-data/{slug}-{local}/data.{ext}> ;\n"
                f"    dct:format ft:{fmt} ;\n"
                f"    dcat:mediaType <https://www.iana.org/assignments/media-types/{media}> ;\n"
                f"    dct:license {lic} .\n\n"
            )
        yield "".join(parts)


HYDRA = "http://www.w3.org/ns/hydra/core#"


def generate_pages(
    n: int, per_page: int, *, seed: int = 1, changed: int = 0, base: str = DEFAULT_BASE
) -> Iterator[tuple[str, str]]:
    """The catalogue of ``generate(n, ...)`` published as Hydra pages of ``per_page`` datasets each.

    Yields ``(file name, Turtle text)`` for ``page001.ttl``, ``page002.ttl`` … (at least one page). The
    datasets are the ones ``generate`` writes for the same ``(n, seed, changed)``, byte for byte and in
    order, split over the pages. Each page is a whole document: the prefixes (and ``hydra:``), the
    catalogue listing that page's datasets, a ``hydra:PartialCollectionView`` whose ``hydra:first``,
    ``hydra:next`` (not on the last page) and ``hydra:last`` are IRIs relative to the page (the DCAT
    adapter resolves them against the URL it fetched, as it follows ``hydra:next``), every publisher and
    contact point (so each page is readable alone), then its datasets.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if per_page < 1:
        raise ValueError("per_page must be >= 1")
    base = _normalise_base(base)
    changed = max(0, min(changed, n))
    pages = max(1, -(-n // per_page))
    width = max(3, len(str(pages)))
    names = [f"page{k:0{width}d}.ttl" for k in range(1, pages + 1)]
    prefixes = PREFIXES.format(eu=EU, base=base) + f"@prefix hydra: <{HYDRA}> .\n\n"
    publishers = "".join(_publisher_block(index) for index in range(len(PUBLISHERS)))
    datasets = _dataset_blocks(n, seed=seed, changed=changed)
    for k, name in enumerate(names):
        first, stop = k * per_page, min(n, (k + 1) * per_page)
        view = f"<{name}> a hydra:PartialCollectionView ;\n    hydra:first <{names[0]}> ;\n"
        if k + 1 < pages:
            view += f"    hydra:next <{names[k + 1]}> ;\n"
        view += f"    hydra:last <{names[-1]}> .\n\n"
        body = [prefixes, _catalog_block(base, n, first, stop), view, publishers]
        body.extend(next(datasets) for _ in range(first, stop))
        yield name, "".join(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=5000, help="number of datasets (5000)")
    parser.add_argument("--out", default="-", help="output file, '-' for stdout (default)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--base", default=DEFAULT_BASE, help=f"base IRI ({DEFAULT_BASE})")
    parser.add_argument(
        "--changed",
        type=int,
        default=0,
        metavar="K",
        help="alter title and dct:modified of the first K datasets",
    )
    parser.add_argument(
        "--per-page",
        type=int,
        default=0,
        metavar="K",
        help="write Hydra pages of K datasets (page001.ttl …) into the directory --out instead of one file",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    if args.per_page:
        if args.out == "-":
            parser.error("--per-page needs --out DIR")
        out_dir = Path(args.out)
        out_dir.mkdir(parents=True, exist_ok=True)
        size = count = 0
        for name, page in generate_pages(
            args.datasets, args.per_page, seed=args.seed, changed=args.changed, base=args.base
        ):
            size += (out_dir / name).write_bytes(page.encode("utf-8"))
            count += 1
        print(
            f"generated {args.datasets} datasets ({args.changed} changed) in {count} pages, {size:,} bytes"
            f" in {time.perf_counter() - started:.3f}s",
            file=sys.stderr,
        )
        return 0
    text = generate(args.datasets, seed=args.seed, changed=args.changed, base=args.base)
    elapsed = time.perf_counter() - started
    data = text.encode("utf-8")
    if args.out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        with open(args.out, "wb") as fh:
            fh.write(data)
    print(
        f"generated {args.datasets} datasets ({args.changed} changed), {len(data):,} bytes in {elapsed:.3f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
