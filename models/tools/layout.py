"""Where each variable sits in the six views of the diagram (Vensim sketch coordinates).

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
    #: Loop identifiers: ``"R1 spin-offs [Mature Firms > spinoffs > Young Firms > maturation]"``. The words
    #: before the brackets are the name drawn in the view; the bracketed chains
    #: (``;`` between alternatives) are the variables on the loop, which
    #: ``sdcluster.analysis.loops`` uses to find the loop among those pysimlin scores.
    loops: dict[str, Point] = field(default_factory=dict)
    notes: dict[str, Point] = field(default_factory=dict)


FIRMS = View(
    title="1 Firms: ageing chain, spin-offs and attraction",
    stocks={"Young Firms": (400, 300), "Mature Firms": (760, 300)},
    flows=[
        Flow("entry", (400, 175), (400, 60), "Young Firms", horizontal=False),
        Flow("spinoffs", (400, 440), (400, 590), "Young Firms", horizontal=False),
        Flow("maturation", (580, 300), "Young Firms", "Mature Firms"),
        Flow("young firm exit", (220, 300), "Young Firms", (70, 300)),
        Flow("mature firm exit", (940, 300), "Mature Firms", (1090, 300)),
    ],
    auxiliaries={
        "initial young firms": (270, 370),
        "initial mature firms": (900, 380),
        "maturation time": (580, 230),
        "Innovative Firms": (600, 420),
        "agglomeration economies": (780, 520),
        "critical mass": (950, 560),
        "room": (560, 560),
        "regional capacity": (620, 650),
        "spinoff rate": (240, 450),
        "attractiveness": (230, 140),
        "base attractiveness": (90, 80),
        "entrepreneur pool": (560, 140),
        "young exit rate": (100, 380),
        "mature exit rate": (1060, 380),
        "exit pressure": (920, 170),
        "disorder exit sensitivity": (1080, 110),
        "reference entropy": (1080, 220),
    },
    shadows=[
        ("effective openness", (560, 80)),
        ("entry noise", (580, 200)),
        ("room", (280, 230)),
        ("agglomeration economies", (290, 50)),
        ("order effect", (80, 170)),
        ("order effect", (230, 520)),
        ("innovation effect", (250, 590)),
        ("spinoff noise", (470, 640)),
        ("exit pressure", (90, 230)),
        ("Entropy U", (760, 90)),
        ("destructive competition", (940, 50)),
    ],
    loops={
        "R1 spin-offs [Mature Firms > spinoffs > Young Firms > maturation]": (520, 370),
        "R2 attraction [Innovative Firms > agglomeration economies > attractiveness > entry]": (300, 90),
        "B1 crowding [Innovative Firms > room > spinoffs]": (470, 520),
        "B6 disorder raises exit [Innovative Firms > coordination load > diS U > Entropy U > "
        "exit pressure > mature firm exit]": (830, 200),
    },
)

KNOWLEDGE = View(
    title="2 Knowledge, absorption and tacit sharing",
    stocks={
        "Knowledge Stock": (600, 300),
        "Frontier Knowledge": (200, 500),
        "Knowledge Sharing Firms": (640, 820),
    },
    flows=[
        Flow("knowledge creation", (600, 185), (600, 70), "Knowledge Stock", horizontal=False),
        Flow("knowledge absorption", (400, 300), (230, 300), "Knowledge Stock"),
        Flow("knowledge obsolescence", (800, 300), "Knowledge Stock", (960, 300)),
        Flow("frontier growth", (200, 620), (200, 730), "Frontier Knowledge", horizontal=False),
        Flow("adoption", (460, 820), (300, 820), "Knowledge Sharing Firms"),
        Flow("sharing loss", (840, 820), "Knowledge Sharing Firms", (990, 820)),
    ],
    auxiliaries={
        "initial knowledge": (470, 220),
        "knowledge depreciation rate": (870, 380),
        "absorption rate": (270, 380),
        "knowledge per firm": (600, 420),
        "knowledge norm": (800, 480),
        "knowledge gap": (400, 520),
        "absorption index": (410, 420),
        "absorptive capacity": (600, 560),
        "cooperation gain": (800, 540),
        "knowledge access": (240, 160),
        "base knowledge access": (110, 110),
        "technology transfer weight": (300, 80),
        "university transfer weight": (380, 130),
        "initial frontier knowledge": (60, 440),
        "frontier growth rate": (340, 670),
        "sharing fraction": (640, 690),
        "initial sharing fraction": (800, 900),
        "external contact rate": (320, 920),
        "bass innovation coefficient": (170, 980),
        "imitation rate": (520, 960),
        "bass imitation coefficient": (520, 1040),
        "sharing lifetime": (960, 900),
    },
    shadows=[
        ("innovation power", (790, 110)),
        ("knowledge noise", (790, 160)),
        ("Innovative Firms", (790, 215)),
        ("Innovative Firms", (300, 240)),
        ("Innovative Firms", (790, 395)),
        ("Innovative Firms", (470, 690)),
        ("effective openness", (70, 170)),
        ("effective technology introduction", (60, 230)),
        ("university cooperation", (110, 280)),
        ("internal cooperation", (820, 610)),
        ("initial mature firms", (800, 960)),
        ("young exit rate", (980, 700)),
        ("exit pressure", (980, 750)),
        ("effective openness", (170, 870)),
        ("effective technology introduction", (140, 920)),
        ("university cooperation", (330, 1010)),
        ("agglomeration economies", (720, 1040)),
        ("internal cooperation", (680, 990)),
    ],
    loops={
        "R5 absorptive capacity [Knowledge Stock > knowledge per firm > absorptive capacity > "
        "absorption index > knowledge absorption]": (500, 360),
        "B2 dilution [Innovative Firms > knowledge per firm > absorptive capacity > "
        "resource index > resource negentropy > deS R > Entropy R > Order Degree > "
        "order effect > spinoffs; Innovative Firms > resource adequacy > resource effect > "
        "innovation power > innovation effect > spinoffs]": (700, 470),
        "R4 imitation spreads tacit knowledge [Knowledge Sharing Firms > sharing fraction > "
        "adoption]": (555, 740),
    },
)

TECHNOLOGY = View(
    title="3 Technology generations and innovation resources",
    stocks={
        "Next Generation": (400, 220),
        "Technology Vitality": (760, 220),
        "Innovation Resources": (700, 640),
    },
    flows=[
        Flow("exploration", (220, 220), (70, 220), "Next Generation"),
        Flow("technology renewal", (580, 220), "Next Generation", "Technology Vitality"),
        Flow("technology ageing", (940, 220), "Technology Vitality", (1090, 220)),
        Flow("resource generation", (500, 640), (330, 640), "Innovation Resources"),
        Flow("resource inflow", (700, 760), (700, 880), "Innovation Resources", horizontal=False),
        Flow("resource depreciation", (900, 640), "Innovation Resources", (1060, 640)),
    ],
    auxiliaries={
        "technology seeding": (220, 110),
        "seeding rate": (90, 50),
        "internal seeding": (360, 40),
        "exploration learning": (220, 330),
        "learning rate": (80, 380),
        "technology channel": (260, 430),
        "university generation weight": (430, 490),
        "readiness effect": (500, 110),
        "readiness threshold": (500, 40),
        "adoption time": (660, 120),
        "technology life": (1060, 140),
        "initial resources": (600, 560),
        "knowledge yield": (380, 720),
        "market resource intensity": (930, 790),
        "public funding intensity": (930, 850),
        "resource lifetime": (1020, 710),
        "resource adequacy": (840, 520),
        "resource norm": (1020, 560),
        "resource effect": (700, 460),
        "resource half effect": (880, 430),
    },
    shadows=[
        ("knowledge access", (70, 110)),
        ("absorptive capacity", (80, 160)),
        ("innovation effect", (380, 100)),
        ("absorptive capacity", (80, 300)),
        ("effective openness", (90, 450)),
        ("effective technology introduction", (120, 500)),
        ("university cooperation", (280, 520)),
        ("agglomeration economies", (940, 130)),
        ("knowledge creation", (380, 560)),
        ("effective openness", (520, 800)),
        ("government support", (540, 850)),
        ("attractiveness", (580, 900)),
        ("Innovative Firms", (820, 910)),
        ("Innovative Firms", (1020, 500)),
        ("innovation power", (560, 400)),
    ],
    loops={
        "R8 technology learning [Next Generation > exploration]": (300, 270),
        "B7 renewal uses up the next generation [Next Generation > technology renewal]": (480, 290),
        "B5 obsolescence [Technology Vitality > technology ageing]": (850, 290),
        "R7 reinvestment [knowledge creation > resource generation > Innovation Resources > "
        "resource adequacy > resource effect > innovation power]": (560, 500),
    },
)

POWERS = View(
    title="4 The three powers and synergy",
    stocks={},
    flows=[],
    auxiliaries={
        "innovation power": (480, 300),
        "base innovation productivity": (480, 190),
        "innovation effect": (720, 300),
        "reference innovation power": (720, 200),
        "innovation half effect": (880, 250),
        "spillover effect": (300, 220),
        "spillover strength": (150, 180),
        "competition effect": (300, 400),
        "competition stimulus": (120, 360),
        "optimal pressure": (160, 470),
        "competitive power": (300, 540),
        "internal rivalry": (200, 650),
        "external rivalry": (420, 650),
        "competition intensity": (310, 740),
        "rivalry scale": (80, 720),
        "outside rivalry": (540, 730),
        "destructive competition": (520, 540),
        "destructive weight": (700, 500),
        "environment effect": (640, 400),
        "environment response": (820, 380),
        "environmental power": (760, 620),
        "competition synergy": (140, 290),
        "technology innovation synergy": (880, 160),
        "environmental support synergy": (1040, 480),
        "order gain R": (1040, 620),
        "order gain K": (1040, 680),
        "order gain U": (1040, 740),
        "synergy degree": (880, 740),
    },
    shadows=[
        ("Technology Vitality", (360, 130)),
        ("resource effect", (620, 140)),
        ("order effect", (620, 200)),
        ("sharing fraction", (260, 120)),
        ("sharing fraction", (1020, 120)),
        ("absorptive capacity", (1040, 200)),
        ("Innovative Firms", (60, 620)),
        ("effective openness", (420, 800)),
        ("fair competition regulation", (620, 460)),
        ("effective openness", (700, 780)),
        ("government support", (860, 560)),
        ("university cooperation", (900, 620)),
        ("effective technology introduction", (860, 680)),
        ("institutional negentropy", (1040, 380)),
        ("maximum negentropy rate", (1080, 430)),
        ("initial entropy", (1200, 680)),
    ],
    shadow_stocks={"Entropy R": (1200, 560), "Entropy K": (1200, 620), "Entropy U": (1200, 740)},
    loops={
        "R3 competition drives R&D [Innovative Firms > internal rivalry > competitive power > "
        "competition effect > innovation power > innovation effect > spinoffs]": (380, 470),
        "B4 destructive competition [Innovative Firms > internal rivalry > competitive power > "
        "destructive competition > exit pressure > mature firm exit]": (420, 590),
    },
)

ENTROPY = View(
    title="5 Entropy balance and order",
    stocks={"Entropy R": (420, 150), "Entropy K": (420, 420), "Entropy U": (420, 690)},
    flows=[
        Flow("diS R", (240, 150), (80, 150), "Entropy R"),
        Flow("deS R", (600, 150), (760, 150), "Entropy R"),
        Flow("diS K", (240, 420), (80, 420), "Entropy K"),
        Flow("deS K", (600, 420), (760, 420), "Entropy K"),
        Flow("diS U", (240, 690), (80, 690), "Entropy U"),
        Flow("deS U", (600, 690), (760, 690), "Entropy U"),
    ],
    auxiliaries={
        "initial entropy": (510, 285),
        "crowding load": (110, 60),
        "entropy production rate": (120, 290),
        "production easing": (290, 300),
        "obsolescence load": (250, 520),
        "sharing easing": (110, 540),
        "coordination load": (110, 790),
        "coordination scale": (110, 870),
        "imported turbulence R": (620, 60),
        "imported turbulence K": (610, 510),
        "imported turbulence U": (620, 610),
        "turbulence rate": (780, 50),
        "maximum negentropy rate": (900, 300),
        "negentropy half index": (900, 360),
        "resource index": (920, 170),
        "resource negentropy": (760, 240),
        "resource norm time": (660, 310),
        "knowledge negentropy": (760, 490),
        "institutional index": (930, 700),
        "base institutional support": (1060, 640),
        "institutional negentropy": (760, 770),
        "dS R": (420, 240),
        "dS K": (420, 510),
        "dS U": (420, 780),
        "diS total": (230, 990),
        "deS total": (230, 1130),
        "dS total": (400, 1060),
        "entropy tolerance": (400, 1150),
        "entropy regime": (560, 1060),
        "Order Degree": (860, 1000),
        "order effect": (1020, 1000),
        "order floor": (1020, 1080),
        "reference order": (1020, 920),
    },
    shadows=[
        ("room", (250, 50)),
        ("government support", (330, 70)),
        ("effective openness", (760, 100)),
        ("resource inflow", (1080, 110)),
        ("resource norm", (1080, 160)),
        ("absorptive capacity", (1080, 210)),
        ("Innovative Firms", (1070, 260)),
        ("sharing fraction", (100, 350)),
        ("entropy production rate", (110, 620)),
        ("production easing", (260, 610)),
        ("turbulence rate", (480, 600)),
        ("initial entropy", (520, 560)),
        ("effective openness", (760, 560)),
        ("absorption index", (930, 470)),
        ("maximum negentropy rate", (950, 560)),
        ("negentropy half index", (950, 610)),
        ("government support", (300, 780)),
        ("destructive competition", (260, 850)),
        ("internal cooperation", (250, 910)),
        ("Innovative Firms", (110, 940)),
        ("fair competition regulation", (1080, 700)),
        ("university cooperation", (1080, 760)),
        ("agglomeration economies", (1070, 820)),
        ("absorptive capacity", (930, 860)),
        ("effective openness", (800, 860)),
        ("government support", (1080, 580)),
        ("diS R", (70, 1010)),
        ("diS K", (70, 1060)),
        ("diS U", (70, 1110)),
        ("deS R", (70, 1170)),
        ("deS K", (70, 1220)),
        ("deS U", (70, 1270)),
    ],
    shadow_stocks={
        "Technology Vitality": (90, 480),
        "Entropy R": (700, 930),
        "Entropy K": (700, 1000),
        "Entropy U": (700, 1070),
    },
    loops={
        "B3 entropy production rises with crowding [Innovative Firms > room > crowding load > "
        "diS R > Entropy R > Order Degree > order effect]": (180, 210),
        "R6 slaving [Order Degree > order effect > spinoffs > Innovative Firms > "
        "agglomeration economies > institutional index > institutional negentropy > deS U > "
        "Entropy U]": (860, 920),
    },
)

POLICY = View(
    title="6 Policy levers and fluctuations",
    stocks={
        "Spinoff Fluctuation": (440, 620),
        "Entry Fluctuation": (440, 740),
        "Knowledge Fluctuation": (440, 860),
    },
    flows=[],
    auxiliaries={
        "openness": (160, 100),
        "openness step": (160, 160),
        "openness step time": (160, 220),
        "effective openness": (380, 160),
        "technology introduction": (640, 100),
        "technology introduction step": (640, 160),
        "technology introduction step time": (640, 220),
        "effective technology introduction": (920, 160),
        "internal cooperation": (160, 360),
        "government support": (400, 360),
        "fair competition regulation": (640, 360),
        "university cooperation": (900, 360),
        "white noise spinoffs": (200, 620),
        "white noise entry": (200, 740),
        "white noise knowledge": (200, 860),
        "spinoff noise": (720, 620),
        "entry noise": (720, 740),
        "knowledge noise": (720, 860),
        "noise sd": (900, 740),
        "noise correlation time": (440, 980),
        "noise scale": (200, 980),
    },
    shadows=[("TIME STEP", (60, 1040))],
    notes={
        "Policy levers (section 4 of the paper): set them in a scenario file": (540, 40),
        "Fluctuations: seeded white noise from Python, smoothed over the correlation time": (540, 520),
    },
)

VIEWS = [FIRMS, KNOWLEDGE, TECHNOLOGY, POWERS, ENTROPY, POLICY]
