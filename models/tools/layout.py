"""Where each variable sits in the four views of the diagram (Vensim sketch coordinates).

Authoring aid for ``build_model.py``; see its docstring. Shadows (grey copies) bring a
cause that lives in another view into this one; a name may have several shadows in a
view, and an arrow starts from the one nearest its target.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Point = tuple[int, int]


@dataclass(frozen=True)
class Flow:
    """A flow drawn as a pipe: source and target are a stock name or a cloud position."""

    name: str
    valve: Point
    source: str | Point
    target: str | Point
    horizontal: bool = True


@dataclass(frozen=True)
class View:
    """One view of the diagram."""

    title: str
    stocks: dict[str, Point]
    flows: list[Flow]
    auxiliaries: dict[str, Point]
    shadows: list[tuple[str, Point]] = field(default_factory=list)
    shadow_stocks: dict[str, Point] = field(default_factory=dict)
    #: Loop identifiers: ``"R1 spin-offs [Innovative Firms > spawning]"``. The words
    #: before the brackets are the name drawn in the view; the bracketed chains
    #: (``;`` between alternatives) are the variables on the loop, which
    #: ``sdcluster.analysis.loops`` uses to find the loop among those pysimlin scores.
    loops: dict[str, Point] = field(default_factory=dict)
    notes: dict[str, Point] = field(default_factory=dict)


GROWTH = View(
    title="1 Cluster growth and positive feedback",
    stocks={"Innovative Firms": (640, 400), "Knowledge Sharing Firms": (640, 760)},
    flows=[
        Flow("spawning", (470, 400), (300, 400), "Innovative Firms"),
        Flow("attraction entry", (640, 250), (640, 110), "Innovative Firms", horizontal=False),
        Flow("firm exit", (830, 400), "Innovative Firms", (1010, 400)),
        Flow("adoption", (470, 760), (300, 760), "Knowledge Sharing Firms"),
        Flow("adopter loss", (830, 760), "Knowledge Sharing Firms", (1010, 760)),
    ],
    auxiliaries={
        "spawn rate": (330, 330),
        "support": (470, 520),
        "entrepreneur pool": (470, 120),
        "room": (560, 310),
        "crowding ratio": (880, 290),
        "cluster capacity": (1060, 290),
        "attractiveness": (900, 150),
        "agglomeration": (800, 560),
        "agglomeration scale": (980, 600),
        "firm lifetime": (1060, 470),
        "initial firms": (560, 600),
        "initial sharing fraction": (760, 670),
        "diffusion fraction": (840, 880),
        "innovation coefficient": (420, 880),
        "base innovation coefficient": (250, 830),
        "policy innovation coefficient": (250, 910),
        "imitation coefficient": (680, 900),
        "base imitation coefficient": (860, 990),
        "technology cycle": (1060, 840),
    },
    shadows=[
        ("noise multiplier", (330, 470)),
        ("order effect", (300, 240)),
        ("order effect", (1080, 110)),
        ("resource adequacy", (300, 560)),
        ("relative knowledge", (420, 630)),
        ("relative knowledge", (1080, 180)),
        ("agglomeration", (760, 70)),
        ("effective openness", (470, 190)),
        ("effective openness", (260, 990)),
        ("effective technology introduction", (470, 1040)),
        ("university cooperation", (280, 1070)),
        ("internal cooperation", (690, 1050)),
        ("agglomeration", (620, 990)),
        ("Entropy U", (930, 490)),
        ("destructive competition", (1020, 340)),
    ],
    shadow_stocks={"Innovative Firms": (330, 680)},
    loops={
        "R1 spin-offs [Innovative Firms > spawning]": (540, 455),
        "R2 attraction "
        "[Innovative Firms > agglomeration > attractiveness > attraction entry]": (760, 210),
        "B1 crowding [Innovative Firms > crowding ratio > room > spawning; "
        "Innovative Firms > crowding ratio > room > attraction entry]": (700, 300),
        "B6 disorder raises exit [Innovative Firms > diS U > Entropy U > firm exit]": (900, 430),
        "R4 imitation spreads tacit knowledge "
        "[Knowledge Sharing Firms > diffusion fraction > adoption]": (720, 850),
        "B2 dilution [Innovative Firms > relative knowledge > support > spawning; "
        "Innovative Firms > resource adequacy > support > spawning]": (400, 560),
    },
)

KNOWLEDGE = View(
    title="2 Knowledge resources and the three powers",
    stocks={"Knowledge Stock": (620, 300), "Innovation Resources": (620, 840)},
    flows=[
        Flow("knowledge creation", (440, 300), (260, 300), "Knowledge Stock"),
        Flow("knowledge import", (620, 160), (620, 50), "Knowledge Stock", horizontal=False),
        Flow("knowledge obsolescence", (820, 300), "Knowledge Stock", (1000, 300)),
        Flow("resource generation", (440, 840), (260, 840), "Innovation Resources"),
        Flow(
            "external resource inflow",
            (620, 980),
            (620, 1090),
            "Innovation Resources",
            horizontal=False,
        ),
        Flow("resource depreciation", (820, 840), "Innovation Resources", (1000, 840)),
    ],
    auxiliaries={
        "innovation power": (360, 430),
        "base innovation productivity": (170, 370),
        "spillover strength": (170, 420),
        "competition effect": (290, 560),
        "competition stimulus": (120, 540),
        "competitive power": (290, 660),
        "external rivalry": (130, 610),
        "destructive competition": (300, 760),
        "environment effect": (500, 560),
        "environment response": (660, 520),
        "environmental power": (500, 660),
        "initial knowledge": (760, 380),
        "knowledge lifetime": (940, 230),
        "relative knowledge": (820, 470),
        "knowledge norm": (980, 470),
        "resource adequacy": (720, 620),
        "resource norm": (980, 620),
        "absorptive capacity": (880, 120),
        "technology transfer intensity": (360, 80),
        "university transfer intensity": (360, 150),
        "initial resources": (760, 760),
        "knowledge yield": (300, 920),
        "resource lifetime": (960, 920),
        "market resource intensity": (840, 1000),
        "public funding intensity": (840, 1060),
    },
    shadows=[
        ("Innovative Firms", (330, 225)),
        ("Innovative Firms", (430, 1030)),
        ("Innovative Firms", (980, 550)),
        ("order effect", (540, 420)),
        ("diffusion fraction", (170, 470)),
        ("diffusion fraction", (1040, 170)),
        ("Order Degree", (1040, 70)),
        ("internal cooperation", (760, 50)),
        ("effective openness", (470, 40)),
        ("effective openness", (430, 970)),
        ("effective openness", (130, 720)),
        ("effective openness", (400, 720)),
        ("effective technology introduction", (200, 100)),
        ("university cooperation", (200, 170)),
        ("effective technology introduction", (520, 750)),
        ("university cooperation", (660, 700)),
        ("government support", (420, 770)),
        ("government support", (430, 1090)),
        ("attractiveness", (760, 1100)),
        ("crowding ratio", (130, 665)),
        ("fair competition regulation", (140, 800)),
    ],
    loops={
        "R3 competition drives R&D [Innovative Firms > crowding ratio > competitive power > "
        "competition effect > innovation power > knowledge creation > Knowledge Stock > "
        "relative knowledge > support > spawning]": (390, 600),
        "R7 reinvestment [Knowledge Stock > resource generation > Innovation Resources > "
        "resource adequacy > innovation power > knowledge creation]": (560, 480),
        "B5 obsolescence [Knowledge Stock > knowledge obsolescence; "
        "Innovation Resources > resource depreciation]": (820, 360),
        "B4 destructive competition [Innovative Firms > crowding ratio > competitive power > "
        "destructive competition > firm exit]": (240, 725),
    },
)

ENTROPY = View(
    title="3 Entropy balance and order",
    stocks={"Entropy R": (560, 200), "Entropy K": (560, 480), "Entropy U": (560, 760)},
    flows=[
        Flow("diS R", (400, 200), (240, 200), "Entropy R"),
        Flow("deS R", (720, 200), (880, 200), "Entropy R"),
        Flow("diS K", (400, 480), (240, 480), "Entropy K"),
        Flow("deS K", (720, 480), (880, 480), "Entropy K"),
        Flow("diS U", (400, 760), (240, 760), "Entropy U"),
        Flow("deS U", (720, 760), (880, 760), "Entropy U"),
    ],
    auxiliaries={
        "initial entropy": (700, 340),
        "entropy production rate": (170, 340),
        "coordination scale": (150, 900),
        "turbulence rate": (1000, 320),
        "negentropy efficiency": (1000, 380),
        "maximum renewal rate": (1130, 300),
        "resource renewal rate": (960, 110),
        "knowledge renewal rate": (960, 580),
        "institutional exchange": (960, 860),
        "institutional exchange rate": (1120, 930),
        "dS R": (560, 290),
        "dS K": (560, 570),
        "dS U": (560, 850),
        "diS total": (1480, 160),
        "deS total": (1480, 360),
        "dS total": (1640, 260),
        "entropy tolerance": (1640, 170),
        "entropy regime": (1790, 260),
        "Order Degree": (1480, 580),
        "order effect": (1660, 580),
        "order effect base": (1640, 490),
        "order effect slope": (1800, 530),
        "order gain R": (1480, 720),
        "order gain K": (1480, 790),
        "order gain U": (1480, 860),
        "synergy degree": (1660, 790),
    },
    shadows=[
        ("crowding ratio", (250, 110)),
        ("government support", (250, 290)),
        ("diffusion fraction", (250, 570)),
        ("crowding ratio", (170, 650)),
        ("Innovative Firms", (170, 790)),
        ("internal cooperation", (290, 940)),
        ("destructive competition", (440, 900)),
        ("government support", (390, 650)),
        ("effective openness", (800, 300)),
        ("absorptive capacity", (800, 100)),
        ("external resource inflow", (1130, 60)),
        ("Innovation Resources", (1130, 150)),
        ("knowledge import", (1130, 540)),
        ("Knowledge Stock", (1130, 620)),
        ("absorptive capacity", (1120, 800)),
        ("university cooperation", (820, 960)),
        ("fair competition regulation", (980, 990)),
        ("government support", (1150, 1000)),
        ("effective openness", (800, 640)),
        ("diS R", (1320, 100)),
        ("diS K", (1320, 160)),
        ("diS U", (1320, 220)),
        ("deS R", (1320, 300)),
        ("deS K", (1320, 360)),
        ("deS U", (1320, 420)),
        ("initial entropy", (1320, 920)),
    ],
    shadow_stocks={"Entropy R": (1320, 520), "Entropy K": (1320, 640), "Entropy U": (1320, 760)},
    loops={
        "B3 entropy production rises with crowding [Innovative Firms > crowding ratio > diS R > "
        "Entropy R > Order Degree > order effect > spawning; Innovative Firms > crowding ratio > "
        "diS U > Entropy U > Order Degree > order effect > spawning]": (250, 400),
        "R5 negentropy autocatalysis [Order Degree > absorptive capacity > deS R > Entropy R; "
        "Order Degree > absorptive capacity > knowledge import > knowledge renewal rate > deS K > "
        "Entropy K; Order Degree > absorptive capacity > institutional exchange > deS U > "
        "Entropy U]": (880, 680),
        "R6 slaving [Order Degree > order effect > spawning > Innovative Firms > adoption > "
        "Knowledge Sharing Firms > diffusion fraction > absorptive capacity > deS R > "
        "Entropy R]": (1560, 650),
    },
)

POLICY = View(
    title="4 Policy levers and fluctuations",
    stocks={"Pink Noise": (640, 640)},
    flows=[Flow("pink noise change", (460, 640), (280, 640), "Pink Noise")],
    auxiliaries={
        "openness": (230, 120),
        "openness step": (230, 190),
        "openness step time": (230, 260),
        "effective openness": (470, 190),
        "technology introduction": (700, 120),
        "technology introduction step": (700, 190),
        "technology introduction step time": (700, 260),
        "effective technology introduction": (1000, 190),
        "internal cooperation": (230, 400),
        "government support": (420, 400),
        "fair competition regulation": (700, 400),
        "university cooperation": (1000, 400),
        "white noise input": (300, 760),
        "noise sd": (460, 840),
        "noise correlation time": (640, 800),
        "noise scale": (460, 740),
        "noise multiplier": (860, 640),
    },
    shadows=[("TIME STEP", (300, 860))],
    notes={
        "Policy levers (section 4 of the paper): set them in a scenario file": (580, 40),
        "Fluctuations: seeded white noise from Python, smoothed into pink noise": (580, 540),
    },
)

VIEWS = [GROWTH, KNOWLEDGE, ENTROPY, POLICY]
