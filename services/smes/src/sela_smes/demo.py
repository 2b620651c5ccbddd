# ruff: noqa: E501  (the sector templates read best one per line)
"""Generated demo listings for ``sela up`` and the search benchmark.

Every record is made up here (seeded, reproducible) and says so: ``source`` is "generated",
the description starts with "Generated record", websites use the reserved ``.example`` domain.
Countries are those of Latin America and the Caribbean; the sectors, products and markets are
plausible combinations for the region, not data about real firms.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from sela_kit.db import Database
from sela_kit.settings import ServiceSettings
from sela_smes.directory import codes
from sela_smes.directory.models import Contact, Enterprise
from sela_smes.directory.repository import DirectoryRepository
from sela_smes.directory.service import derive
from sela_smes.ippalc.demo import load_ippalc_demo

DEMO_SIZE = 300
GENERATED = "generated"


@dataclass(frozen=True)
class Template:
    isic: str
    products: tuple[str, ...]
    words: dict[str, tuple[str, ...]]  # language -> name words
    description: dict[str, str]


TEMPLATES = (
    Template("01", ("0901", "0803", "0804", "0805", "0810", "1801", "0709"),
             {"es": ("Agrícola", "Cafetalera", "Frutícola"), "pt": ("Agropecuária", "Frutas"), "en": ("Farms", "Growers")},
             {"es": "Productores de café de especialidad, cacao fino de aroma y frutas tropicales.",
              "pt": "Produtores de café especial, cacau fino e frutas tropicais como o açaí.",
              "en": "Growers of specialty coffee, fine cocoa and tropical fruit."}),
    Template("03", ("0302", "0303", "0306"),
             {"es": ("Pesquera", "Mariscos"), "pt": ("Pescados",), "en": ("Seafood",)},
             {"es": "Pesca artesanal y acuicultura de camarón y tilapia.",
              "pt": "Pesca artesanal e aquicultura de camarão e tilápia.",
              "en": "Artisanal fishing and shrimp and tilapia aquaculture."}),
    Template("10", ("1905", "2008", "2009", "1806", "1604", "0402"),
             {"es": ("Alimentos", "Conservas", "Chocolates"), "pt": ("Alimentos", "Doces"), "en": ("Foods",)},
             {"es": "Elaboración de chocolates, conservas de frutas y panadería industrial.",
              "pt": "Fabricação de chocolates, conservas de frutas e panificação.",
              "en": "Chocolate, fruit preserves and industrial bakery."}),
    Template("11", ("2204", "2208", "2202"),
             {"es": ("Viñedos", "Destilería", "Bebidas"), "pt": ("Vinícola", "Bebidas"), "en": ("Distillers",)},
             {"es": "Vinos, pisco, ron y bebidas a base de frutas.",
              "pt": "Vinhos, cachaça e bebidas de frutas.",
              "en": "Wine, rum and fruit-based drinks."}),
    Template("14", ("5208", "5209", "6109", "6110", "6203", "6204"),
             {"es": ("Textil", "Confecciones", "Moda"), "pt": ("Confecções", "Têxtil"), "en": ("Apparel",)},
             {"es": "Tejidos de algodón y confección de prendas de vestir; diseño y moda.",
              "pt": "Tecidos de algodão e confecção de roupas; design e moda.",
              "en": "Cotton fabrics and garment manufacturing; fashion design."}),
    Template("15", ("4107", "4202", "6403"),
             {"es": ("Cueros", "Calzado", "Marroquinería"), "pt": ("Couros", "Calçados"), "en": ("Leather",)},
             {"es": "Curtiembre, calzado de cuero y marroquinería artesanal.",
              "pt": "Curtume, calçados de couro e bolsas.",
              "en": "Tannery, leather footwear and handbags."}),
    Template("31", ("4407", "4409", "9403"),
             {"es": ("Muebles", "Maderas"), "pt": ("Móveis", "Madeiras"), "en": ("Furniture",)},
             {"es": "Madera certificada y muebles de diseño.",
              "pt": "Madeira certificada e móveis de design.",
              "en": "Certified timber and design furniture."}),
    Template("20", ("3301", "3304", "3305"),
             {"es": ("Cosméticos", "Química"), "pt": ("Cosméticos", "Química"), "en": ("Cosmetics",)},
             {"es": "Aceites esenciales y cosmética natural con ingredientes amazónicos.",
              "pt": "Óleos essenciais e cosmética natural com ingredientes da Amazônia.",
              "en": "Essential oils and natural cosmetics."}),
    Template("21", ("3004", "3003"),
             {"es": ("Laboratorios", "Farma"), "pt": ("Laboratórios",), "en": ("Pharma",)},
             {"es": "Medicamentos genéricos y fitoterápicos.",
              "pt": "Medicamentos genéricos e fitoterápicos.",
              "en": "Generic and herbal medicines."}),
    Template("22", ("3923", "3926", "4016"),
             {"es": ("Plásticos", "Envases"), "pt": ("Plásticos", "Embalagens"), "en": ("Packaging",)},
             {"es": "Envases plásticos y piezas de caucho para la industria.",
              "pt": "Embalagens plásticas e peças de borracha.",
              "en": "Plastic packaging and rubber parts."}),
    Template("25", ("7308", "7326", "8302"),
             {"es": ("Metalúrgica", "Metalmecánica"), "pt": ("Metalúrgica",), "en": ("Metalworks",)},
             {"es": "Estructuras metálicas y piezas de acero a medida.",
              "pt": "Estruturas metálicas e peças de aço sob medida.",
              "en": "Steel structures and custom steel parts."}),
    Template("28", ("8433", "8438", "8479"),
             {"es": ("Maquinaria", "Equipos"), "pt": ("Máquinas",), "en": ("Machinery",)},
             {"es": "Maquinaria agrícola y equipos para la industria alimentaria.",
              "pt": "Máquinas agrícolas e equipamentos para a indústria de alimentos.",
              "en": "Farm machinery and food-processing equipment."}),
    Template("62", (),
             {"es": ("Software", "Sistemas", "Digital"), "pt": ("Software", "Sistemas"), "en": ("Software",)},
             {"es": "Desarrollo de software, comercio electrónico y servicios en la nube.",
              "pt": "Desenvolvimento de software, comércio eletrônico e nuvem.",
              "en": "Software development, e-commerce and cloud services."}),
    Template("79", (),
             {"es": ("Turismo", "Viajes"), "pt": ("Turismo",), "en": ("Tours",)},
             {"es": "Turismo sostenible y operadores de viajes de aventura.",
              "pt": "Turismo sustentável e viagens de aventura.",
              "en": "Sustainable tourism and adventure travel."}),
    Template("52", (),
             {"es": ("Logística", "Almacenes"), "pt": ("Logística",), "en": ("Logistics",)},
             {"es": "Almacenamiento, agenciamiento de carga y logística portuaria.",
              "pt": "Armazenagem, agenciamento de cargas e logística portuária.",
              "en": "Warehousing, freight forwarding and port logistics."}),
)  # fmt: skip

COUNTRIES = {
    "ARG": "es", "BRA": "pt", "CHL": "es", "COL": "es", "MEX": "es", "PER": "es", "URY": "es",
    "ECU": "es", "GTM": "es", "SLV": "es", "HND": "es", "PAN": "es", "DOM": "es", "CRI": "es",
    "BOL": "es", "PRY": "es", "NIC": "es", "CUB": "es", "JAM": "en", "TTO": "en", "BLZ": "en",
}  # fmt: skip
PLACES = ("Andes", "Pacífico", "Caribe", "Sur", "Norte", "Amazonía", "Altiplano", "Patagonia",
          "Istmo", "Cerrado", "Pampa", "Sierra", "Valle", "Costa", "Maya", "Inca", "Guaraní")  # fmt: skip
FORMS = {
    "es": ("S.A.", "S.R.L.", "S.A.S.", "Ltda."),
    "pt": ("Ltda.", "S.A.", "ME"),
    "en": ("Ltd.",),
}
MARKETS = ("USA", "CHN", "ESP", "DEU", "NLD", "CAN", "JPN", "IND", "KOR", "FRA", "ITA", "GBR")
SOUGHT = ("IND", "RUS", "KAZ", "BLR", "ARM", "KGZ", "CHN", "ARE", "USA", "DEU")
CERTIFICATIONS = ("ISO 9001", "HACCP", "Fairtrade", "Rainforest Alliance", "Orgánico USDA",
                  "BPM", "ISO 14001", "GlobalG.A.P.", "B Corp")  # fmt: skip


def generate(count: int, seed: int = 2019) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """``count`` generated listings: (enterprise columns, contact columns)."""
    rng = random.Random(seed)  # noqa: S311  (reproducible made-up data)
    countries = list(COUNTRIES)
    for i in range(count):
        country = countries[i % len(countries)]
        lang = COUNTRIES[country]
        template = TEMPLATES[rng.randrange(len(TEMPLATES))]
        word = rng.choice(template.words[lang])
        place = rng.choice(PLACES)
        legal_name = f"{word} {place} {rng.choice(FORMS[lang])} {i + 1:06d}"
        products = sorted(
            rng.sample(template.products, k=min(len(template.products), rng.randint(1, 3)))
        )
        employees = min(int(rng.lognormvariate(2.5, 1.1)) + 1, 240)
        sales = round(employees * rng.uniform(15_000, 60_000), -2)
        size, _ = codes.size_class(country, employees, sales)
        if size is None:
            employees, sales = 8, 90_000.0
        others = [c for c in countries if c != country]
        values = {
            "legal_name": legal_name,
            "trade_name": f"{word} {place}" if rng.random() < 0.6 else None,
            "description": f"Generated record. {template.description[lang]}",
            "country": country,
            "city": None,
            "tax_id": f"GEN-{country}-{i + 1:08d}",
            "isic": template.isic,
            "products": products,
            "export_markets": sorted(set(rng.sample(MARKETS + tuple(others), k=rng.randint(0, 4)))),
            "import_markets": sorted(set(rng.sample(MARKETS, k=rng.randint(0, 2)))),
            "target_markets": sorted(set(rng.sample(SOUGHT, k=rng.randint(0, 3)))),
            "certifications": sorted(set(rng.sample(CERTIFICATIONS, k=rng.randint(0, 2)))),
            "founded_year": rng.randint(1960, 2019),
            "employees": employees,
            "annual_sales_usd": sales,
            "size_class": None,
            "website": f"https://{word.lower()}-{i + 1}.example"
            if word.isascii()
            else f"https://sme-{i + 1}.example",
            "consent_listed": rng.random() < 0.95,
            "consent_contact": rng.random() < 0.7,
        }
        columns, problems = derive(values)
        assert not problems, (values, problems)
        enterprise_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        columns.update(id=enterprise_id, source=GENERATED, niche_products=[])
        contact = {
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "enterprise_id": enterprise_id,
            "name": f"Generated Contact {i + 1}",
            "role": "Export manager",
            "email": f"contact{i + 1}@sme-{i + 1}.example",
            "phone": None,
        }
        yield columns, contact


async def load(session: AsyncSession, count: int = DEMO_SIZE) -> str:
    """Insert the generated listings once (idempotent: skipped when they are there)."""
    present = await session.scalar(
        select(func.count()).select_from(Enterprise).where(Enterprise.source == GENERATED)
    )
    if present:
        return f"{present} generated SME listings already present"
    rows = list(generate(count))
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        await session.execute(insert(Enterprise).values([e for e, _ in chunk]))
        await session.execute(insert(Contact).values([c for _, c in chunk]))
    await DirectoryRepository.from_session(session).refresh_niche_flags()
    return f"{count} generated SME listings (labelled 'generated') in {len(COUNTRIES)} countries"


async def load_demo(settings: ServiceSettings) -> str:
    database = Database(settings.sqlalchemy_url, pool_size=1, application_name="sela-smes-demo")
    try:
        async with database.transaction() as session:
            directory = await load(session)
        async with database.transaction() as session:
            ippalc = await load_ippalc_demo(session)
        return f"{directory}; {ippalc}"
    finally:
        await database.dispose()
