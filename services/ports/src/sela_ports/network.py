"""What the Work Programme 2019 (activities I.3.1–I.3.3) says about the Network, as data.

Phase III covers thirteen countries; thirteen logistic port communities were "formalized or
at advanced stages of formalization" in October 2018. Each community is tied to the port
system of the same name by its UN/LOCODE; Panamá Atlántico is the Atlantic port system of
Panama at Colón. No other port system is named by the programme, so none is listed here.
"""

from __future__ import annotations

COUNTRIES: tuple[tuple[str, str], ...] = (
    ("MEX", "Mexico"),
    ("GTM", "Guatemala"),
    ("CRI", "Costa Rica"),
    ("PAN", "Panama"),
    ("JAM", "Jamaica"),
    ("TTO", "Trinidad and Tobago"),
    ("COL", "Colombia"),
    ("ECU", "Ecuador"),
    ("PER", "Peru"),
    ("CHL", "Chile"),
    ("ARG", "Argentina"),
    ("URY", "Uruguay"),
    ("BRA", "Brazil"),
)

# community name, port system name, UN/LOCODE, ISO3
COMMUNITIES: tuple[tuple[str, str, str, str], ...] = (
    ("Manzanillo", "Manzanillo", "MXZLO", "MEX"),
    ("Veracruz", "Veracruz", "MXVER", "MEX"),
    ("Lázaro Cárdenas", "Lázaro Cárdenas", "MXLZC", "MEX"),
    ("Kingston", "Kingston", "JMKIN", "JAM"),
    ("Panamá Atlántico", "Colón", "PAONX", "PAN"),
    ("Cartagena", "Cartagena", "COCTG", "COL"),
    ("Buenaventura", "Buenaventura", "COBUN", "COL"),
    ("Guayaquil", "Guayaquil", "ECGYE", "ECU"),
    ("Callao", "Callao", "PECLL", "PER"),
    ("Mejillones", "Mejillones", "CLMJS", "CHL"),
    ("Valparaíso", "Valparaíso", "CLVAP", "CHL"),
    ("San Antonio", "San Antonio", "CLSAI", "CHL"),
    ("Talcahuano", "Talcahuano", "CLTAL", "CHL"),
)

# Names in the top-100 container ports table for the port systems above.
TEU_TABLE_NAMES = {
    "Manzanillo": "MXZLO",
    "Colon": "PAONX",
    "Cartagena": "COCTG",
    "Callao": "PECLL",
    "San Antonio": "CLSAI",
    "Guayaquil": "ECGYE",
    "Kingston": "JMKIN",
}

# The governance of I.3.2/I.3.3: a Transitional Steering Committee, three technical
# committees and a group of experts. The programme does not name the committees; they are
# numbered here, with the three fields of the Network's work programme named in I.3.1
# ("scientific and technological fields, management and sustainability of logistic port
# communities and public policies related to transport and trade") as their mandates.
BODIES: tuple[tuple[str, str, str, str], ...] = (
    ("tsc", "Transitional Steering Committee", "steering_committee",
     "Steers the Network through its transition to a regional non-profit association."),
    ("tc1", "Technical Committee 1", "technical_committee",
     "Science and technology of the port logistics chain."),
    ("tc2", "Technical Committee 2", "technical_committee",
     "Management and sustainability of logistic port communities."),
    ("tc3", "Technical Committee 3", "technical_committee",
     "Public policies related to transport and trade for port development and logistics."),
    ("experts", "Group of Experts", "expert_group",
     "Experts of multilateral institutions and academics of the Methodological Support Groups."),
)  # fmt: skip

# Regional partners the programme names.
PARTNERS: tuple[tuple[str, str], ...] = (
    ("SELA — Latin American and Caribbean Economic System", "multilateral"),
    ("CAF — Development Bank of Latin America (CAF-LOGRA Programme)", "multilateral"),
    ("ECLAC — Economic Commission for Latin America and the Caribbean", "multilateral"),
    ("BASC — Business Alliance for Secure Commerce", "multilateral"),
    ("ALADI — Latin American Integration Association", "multilateral"),
)
