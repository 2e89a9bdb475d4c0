"""Where each variable sits in the six views of the diagram (Vensim sketch coordinates).

Authoring aid for ``build_model.py``; see its docstring. Shadows (grey copies) bring a
cause that lives in another view into this one; a name may have several shadows in a
view, and an arrow starts from the one nearest its target. A shadow may also repeat a
variable of its own view where that keeps arrows short and uncrossed (a cause shared by
rows of a view, such as the entropy production rate).

The pictures (``make diagrams``) are shown about 900 px wide: keep a view within about
1050 units wide (labels then read at 12-13 px) and 1250 high.
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
    #: Loop identifiers:
    #: ``"R1 spin-offs [Mature Firms > spinoffs > Young Firms > maturation]"``. The words
    #: before the brackets are the name drawn in the view; the bracketed chains
    #: (``;`` between alternatives) are the variables on the loop, which
    #: ``sdcluster.model.named_loops`` uses to find the loop among those pysimlin scores.
    loops: dict[str, Point] = field(default_factory=dict)
    notes: dict[str, Point] = field(default_factory=dict)


FIRMS = View(
    title="1 Firms: ageing chain, spin-offs and attraction",
    stocks={"Young Firms": (300, 300), "Mature Firms": (600, 300)},
    flows=[
        Flow("entry", (300, 170), (300, 50), "Young Firms", horizontal=False),
        Flow("spinoffs", (300, 450), (300, 600), "Young Firms", horizontal=False),
        Flow("maturation", (450, 300), "Young Firms", "Mature Firms"),
        Flow("young firm exit", (150, 300), "Young Firms", (40, 300)),
        Flow("mature firm exit", (760, 300), "Mature Firms", (880, 300)),
    ],
    auxiliaries={
        "initial young firms": (190, 390),
        "initial mature firms": (700, 390),
        "maturation time": (530, 215),
        "Innovative Firms": (460, 390),
        "agglomeration economies": (620, 470),
        "critical mass": (780, 470),
        "room": (560, 560),
        "regional capacity": (730, 590),
        "spinoff rate": (540, 660),
        "expected spinoffs": (400, 580),
        "attractiveness": (120, 125),
        "expected entry": (200, 170),
        "base attractiveness": (60, 35),
        "entrepreneur pool": (215, 60),
        "young exit rate": (50, 390),
        "mature exit rate": (880, 390),
        "exit pressure": (760, 180),
        "disorder exit sensitivity": (900, 110),
        "reference entropy": (910, 220),
    },
    shadows=[
        ("effective openness", (220, 250)),
        ("entry noise", (430, 110)),
        ("room", (130, 215)),
        ("agglomeration economies", (30, 200)),
        ("order effect", (30, 95)),
        ("order effect", (210, 690)),
        ("innovation effect", (480, 700)),
        ("agglomeration economies", (310, 720)),
        ("spinoff noise", (170, 530)),
        ("exit pressure", (60, 260)),
        ("Entropy U", (620, 160)),
        ("destructive competition", (760, 60)),
    ],
    loops={
        "R1 spin-offs [Mature Firms > spinoffs > Young Firms > maturation]": (360, 365),
        "R2 attraction [Innovative Firms > agglomeration economies > attractiveness > "
        "entry]": (262, 118),
        "B1 crowding [Innovative Firms > room > spinoffs]": (385, 470),
        "B6 disorder raises exit [Innovative Firms > coordination load > diS U > Entropy U > "
        "exit pressure > mature firm exit]": (690, 220),
    },
)

KNOWLEDGE = View(
    title="2 Knowledge, absorption and tacit sharing",
    stocks={
        "Knowledge Stock": (560, 200),
        "Frontier Knowledge": (200, 470),
        "Knowledge Sharing Firms": (600, 720),
    },
    flows=[
        Flow("knowledge creation", (560, 90), (560, 10), "Knowledge Stock", horizontal=False),
        Flow("knowledge absorption", (400, 200), (300, 200), "Knowledge Stock"),
        Flow("knowledge obsolescence", (720, 200), "Knowledge Stock", (850, 200)),
        Flow("frontier growth", (100, 470), (10, 470), "Frontier Knowledge"),
        Flow("adoption", (380, 720), (260, 720), "Knowledge Sharing Firms"),
        Flow("sharing loss", (760, 720), "Knowledge Sharing Firms", (880, 720)),
    ],
    auxiliaries={
        "initial knowledge": (680, 110),
        "expected knowledge creation": (450, 30),
        "knowledge depreciation rate": (840, 120),
        "absorption rate": (390, 110),
        "knowledge per firm": (560, 330),
        "knowledge norm": (660, 420),
        "knowledge gap": (400, 470),
        "absorption index": (400, 330),
        "absorptive capacity": (560, 470),
        "cooperation gain": (740, 490),
        "knowledge access": (260, 340),
        "base knowledge access": (60, 270),
        "technology transfer weight": (60, 355),
        "university transfer weight": (120, 190),
        "initial frontier knowledge": (290, 570),
        "frontier growth rate": (100, 570),
        "sharing fraction": (600, 560),
        "initial sharing fraction": (710, 830),
        "external contact rate": (310, 830),
        "bass innovation coefficient": (160, 760),
        "imitation rate": (460, 850),
        "bass imitation coefficient": (460, 950),
        "sharing lifetime": (820, 830),
    },
    shadows=[
        ("innovation power", (300, 25)),
        ("knowledge noise", (680, 30)),
        ("Innovative Firms", (480, 130)),
        ("Innovative Firms", (700, 290)),
        ("Innovative Firms", (460, 560)),
        ("effective openness", (70, 420)),
        ("effective technology introduction", (320, 410)),
        ("university cooperation", (240, 215)),
        ("internal cooperation", (720, 570)),
        ("initial mature firms", (590, 840)),
        ("young firm exit", (820, 590)),
        ("mature firm exit", (910, 640)),
        ("Innovative Firms", (720, 640)),
        ("young exit rate", (930, 790)),
        ("exit pressure", (910, 880)),
        ("effective openness", (100, 870)),
        ("effective technology introduction", (110, 945)),
        ("university cooperation", (240, 950)),
        ("agglomeration economies", (600, 930)),
        ("internal cooperation", (360, 960)),
    ],
    shadow_stocks={"Frontier Knowledge": (240, 100)},
    loops={
        "R5 absorptive capacity [Knowledge Stock > knowledge per firm > absorptive capacity > "
        "absorption index > knowledge absorption]": (480, 260),
        "B2 dilution [Innovative Firms > knowledge per firm > absorptive capacity > "
        "resource index > resource negentropy > deS R > Entropy R > Order Degree > "
        "order effect > spinoffs; Innovative Firms > resource adequacy > resource effect > "
        "innovation power > innovation effect > spinoffs]": (650, 345),
        "R4 imitation spreads tacit knowledge [Knowledge Sharing Firms > sharing fraction > "
        "adoption]": (490, 665),
    },
)

TECHNOLOGY = View(
    title="3 Technology generations and innovation resources",
    stocks={
        "Next Generation": (320, 190),
        "Technology Vitality": (620, 190),
        "Innovation Resources": (580, 570),
    },
    flows=[
        Flow("exploration", (170, 190), (40, 190), "Next Generation"),
        Flow("technology renewal", (470, 190), "Next Generation", "Technology Vitality"),
        Flow("technology ageing", (770, 190), "Technology Vitality", (890, 190)),
        Flow("resource generation", (420, 570), (290, 570), "Innovation Resources"),
        Flow("resource inflow", (580, 690), (580, 800), "Innovation Resources", horizontal=False),
        Flow("resource depreciation", (740, 570), "Innovation Resources", (860, 570)),
    ],
    auxiliaries={
        "technology seeding": (170, 90),
        "seeding rate": (60, 30),
        "internal seeding": (290, 30),
        "exploration learning": (170, 300),
        "learning rate": (60, 350),
        "technology channel": (170, 410),
        "university generation weight": (310, 430),
        "readiness effect": (400, 90),
        "readiness threshold": (420, 20),
        "adoption time": (560, 100),
        "technology life": (880, 100),
        "initial resources": (580, 470),
        "knowledge yield": (290, 660),
        "market resource intensity": (720, 740),
        "public funding intensity": (660, 820),
        "resource lifetime": (860, 650),
        "resource adequacy": (740, 450),
        "resource norm": (880, 500),
        "resource effect": (640, 380),
        "resource half effect": (780, 350),
    },
    shadows=[
        ("knowledge access", (60, 100)),
        ("absorptive capacity", (180, 10)),
        ("innovation effect", (270, 110)),
        ("absorptive capacity", (60, 250)),
        ("effective openness", (60, 420)),
        ("effective technology introduction", (90, 490)),
        ("university cooperation", (220, 500)),
        ("agglomeration economies", (770, 90)),
        ("knowledge creation", (320, 500)),
        ("effective openness", (450, 645)),
        ("government support", (420, 690)),
        ("attractiveness", (440, 760)),
        ("Innovative Firms", (500, 810)),
        ("Innovative Firms", (880, 420)),
        ("innovation power", (480, 380)),
    ],
    loops={
        "R8 technology learning [Next Generation > exploration]": (245, 245),
        "B7 renewal uses up the next generation [Next Generation > technology renewal]": (395, 245),
        "B5 obsolescence [Technology Vitality > technology ageing]": (695, 245),
        "R7 reinvestment [knowledge creation > resource generation > Innovation Resources > "
        "resource adequacy > resource effect > innovation power]": (470, 480),
    },
)

POWERS = View(
    title="4 The three powers and synergy",
    stocks={},
    flows=[],
    auxiliaries={
        "innovation power": (480, 250),
        "base innovation productivity": (480, 120),
        "innovation effect": (720, 250),
        "reference innovation power": (740, 140),
        "innovation half effect": (850, 190),
        "spillover effect": (300, 250),
        "spillover strength": (150, 210),
        "competition effect": (300, 400),
        "competition stimulus": (150, 340),
        "optimal pressure": (440, 440),
        "competitive power": (300, 540),
        "internal rivalry": (190, 660),
        "external rivalry": (380, 680),
        "competition intensity": (280, 770),
        "rivalry scale": (80, 740),
        "outside rivalry": (440, 780),
        "destructive competition": (540, 560),
        "destructive weight": (660, 500),
        "destructive saturation": (680, 600),
        "environment effect": (680, 380),
        "environment response": (830, 370),
        "environmental power": (830, 500),
        "competition synergy": (150, 450),
        "technology innovation synergy": (900, 300),
        "environmental support synergy": (860, 730),
        "order gain R": (480, 900),
        "order gain K": (660, 900),
        "order gain U": (840, 900),
        "synergy degree": (660, 1000),
    },
    shadows=[
        ("resource effect", (610, 110)),
        ("order effect", (610, 175)),
        ("sharing fraction", (170, 120)),
        ("sharing fraction", (1000, 380)),
        ("absorptive capacity", (1000, 230)),
        ("Innovative Firms", (60, 620)),
        ("effective openness", (550, 720)),
        ("fair competition regulation", (560, 660)),
        ("effective openness", (820, 620)),
        ("government support", (960, 440)),
        ("university cooperation", (980, 530)),
        ("effective technology introduction", (960, 610)),
        ("institutional negentropy", (740, 760)),
        ("maximum negentropy rate", (990, 740)),
        ("initial entropy", (660, 800)),
    ],
    shadow_stocks={
        "Technology Vitality": (340, 130),
        "Entropy R": (480, 990),
        "Entropy K": (605, 893),
        "Entropy U": (840, 990),
    },
    loops={
        "R3 competition drives R&D [Innovative Firms > internal rivalry > competitive power > "
        "competition effect > innovation power > innovation effect > spinoffs]": (420, 350),
        "B4 destructive competition [Innovative Firms > internal rivalry > competitive power > "
        "destructive competition > exit pressure > mature firm exit]": (450, 620),
    },
)

ENTROPY = View(
    title="5 Entropy balance and order",
    stocks={"Entropy R": (370, 150), "Entropy K": (370, 460), "Entropy U": (370, 770)},
    flows=[
        Flow("diS R", (190, 150), (40, 150), "Entropy R"),
        Flow("deS R", (550, 150), (690, 150), "Entropy R"),
        Flow("diS K", (190, 460), (40, 460), "Entropy K"),
        Flow("deS K", (550, 460), (690, 460), "Entropy K"),
        Flow("diS U", (190, 770), (40, 770), "Entropy U"),
        Flow("deS U", (550, 770), (690, 770), "Entropy U"),
    ],
    auxiliaries={
        "initial entropy": (460, 300),
        "crowding load": (190, 40),
        "entropy production rate": (80, 300),
        "production easing": (250, 260),
        "obsolescence load": (175, 570),
        "sharing easing": (300, 580),
        "coordination load": (190, 870),
        "coordination scale": (70, 950),
        "imported turbulence R": (550, 60),
        "imported turbulence K": (550, 370),
        "imported turbulence U": (550, 680),
        "turbulence rate": (680, 20),
        "maximum negentropy rate": (820, 390),
        "negentropy half index": (940, 390),
        "resource index": (850, 160),
        "resource negentropy": (700, 240),
        "resource norm time": (830, 240),
        "knowledge negentropy": (700, 560),
        "institutional index": (850, 860),
        "base institutional support": (990, 870),
        "institutional negentropy": (700, 860),
        "dS R": (370, 250),
        "dS K": (370, 560),
        "dS U": (370, 870),
        "diS total": (160, 1050),
        "deS total": (340, 1050),
        "dS total": (250, 1110),
        "entropy tolerance": (110, 1190),
        "entropy regime": (250, 1200),
        "Order Degree": (700, 1080),
        "order effect": (850, 1080),
        "order floor": (980, 1130),
        "reference order": (980, 1040),
    },
    shadows=[
        ("room", (60, 40)),
        ("government support", (300, 60)),
        ("effective openness", (690, 90)),
        ("resource inflow", (970, 230)),
        ("resource norm", (970, 160)),
        ("absorptive capacity", (975, 90)),
        ("Innovative Firms", (840, 80)),
        ("sharing fraction", (60, 550)),
        ("entropy production rate", (70, 690)),
        ("production easing", (190, 680)),
        ("turbulence rate", (680, 330)),
        ("turbulence rate", (680, 640)),
        ("initial entropy", (460, 620)),
        ("effective openness", (690, 400)),
        ("effective openness", (690, 710)),
        ("absorption index", (850, 560)),
        ("maximum negentropy rate", (590, 890)),
        ("negentropy half index", (700, 950)),
        ("government support", (310, 670)),
        ("destructive competition", (300, 870)),
        ("internal cooperation", (80, 860)),
        ("Innovative Firms", (190, 970)),
        ("fair competition regulation", (980, 930)),
        ("university cooperation", (900, 985)),
        ("agglomeration economies", (800, 975)),
        ("absorptive capacity", (850, 760)),
        ("effective openness", (980, 800)),
        ("government support", (970, 730)),
        ("diS R", (50, 1000)),
        ("diS K", (50, 1050)),
        ("diS U", (50, 1100)),
        ("deS R", (450, 1000)),
        ("deS K", (450, 1050)),
        ("deS U", (450, 1100)),
    ],
    shadow_stocks={
        "Technology Vitality": (300, 380),
        "Entropy R": (580, 1010),
        "Entropy K": (580, 1080),
        "Entropy U": (580, 1150),
    },
    loops={
        "B3 entropy production rises with crowding [Innovative Firms > room > crowding load > "
        "diS R > Entropy R > Order Degree > order effect]": (110, 85),
        "R6 slaving [Order Degree > order effect > spinoffs > Innovative Firms > "
        "agglomeration economies > institutional index > institutional negentropy > deS U > "
        "Entropy U]": (615, 965),
    },
)

POLICY = View(
    title="6 Policy levers and fluctuations",
    stocks={
        "Spinoff Fluctuation": (420, 480),
        "Entry Fluctuation": (420, 620),
        "Knowledge Fluctuation": (420, 760),
    },
    flows=[
        Flow("spinoff fluctuation change", (240, 480), (140, 480), "Spinoff Fluctuation"),
        Flow("entry fluctuation change", (240, 620), (140, 620), "Entry Fluctuation"),
        Flow("knowledge fluctuation change", (240, 760), (140, 760), "Knowledge Fluctuation"),
    ],
    auxiliaries={
        "openness": (80, 70),
        "openness step": (80, 140),
        "openness step time": (80, 210),
        "effective openness": (260, 140),
        "technology introduction": (480, 70),
        "technology introduction step": (480, 140),
        "technology introduction step time": (480, 210),
        "effective technology introduction": (700, 140),
        "internal cooperation": (80, 320),
        "government support": (300, 320),
        "fair competition regulation": (520, 320),
        "university cooperation": (740, 320),
        "white noise spinoffs": (240, 405),
        "white noise entry": (240, 545),
        "white noise knowledge": (240, 685),
        "spinoff noise": (600, 480),
        "entry noise": (600, 620),
        "knowledge noise": (600, 760),
        "firm event": (730, 545),
        "patent event": (790, 850),
        "noise correlation time": (55, 550),
        "noise scale": (55, 690),
        "noise sd": (55, 770),
    },
    shadows=[
        ("noise scale", (55, 410)),
        ("noise correlation time", (55, 840)),
        ("TIME STEP", (130, 690)),
        ("expected spinoffs", (780, 430)),
        ("expected entry", (800, 690)),
        ("expected knowledge creation", (640, 870)),
        ("noise correlation time", (920, 620)),
    ],
    notes={
        "Policy levers (section 4 of the paper): set them in a scenario file": (400, 15),
        "Fluctuations: seeded white noise from Python, smoothed over the correlation "
        "time": (600, 400),
    },
)

VIEWS = [FIRMS, KNOWLEDGE, TECHNOLOGY, POWERS, ENTROPY, POLICY]
