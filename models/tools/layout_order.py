"""Views 4-6 of the diagram: powers, entropy balance, policy and fluctuations."""

from __future__ import annotations

from layout_types import Flow, Point, View

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

# The fluctuation rows of view 6: each row holds a white noise input, its smoothed
# fluctuation and that fluctuation's variance (two stocks fed from clouds on the left),
# and the multiplier that perturbs the flow (right).
_ROW_TOP, _ROW_HEIGHT = 480, 270
_ROWS = [
    # (multiplier prefix, stock prefix, white noise suffix, the count it scales with)
    ("spinoff", "Spinoff", "spinoffs", "expected spinoffs"),
    ("entry", "Entry", "entry", "expected entry"),
    ("knowledge", "Knowledge", "knowledge", "expected knowledge creation"),
]


def _row_y(row: int) -> int:
    return _ROW_TOP + _ROW_HEIGHT * row


def _fluctuation_stocks() -> dict[str, Point]:
    stocks: dict[str, Point] = {}
    for row, (_, title, *_) in enumerate(_ROWS):
        stocks[f"{title} Fluctuation"] = (420, _row_y(row))
        stocks[f"{title} Fluctuation Variance"] = (420, _row_y(row) + 95)
    return stocks


def _fluctuation_flows() -> list[Flow]:
    flows = []
    for row, (_, title, *_) in enumerate(_ROWS):
        y = _row_y(row)
        stock, variance = f"{title} Fluctuation", f"{title} Fluctuation Variance"
        flows.append(Flow(f"{stock.lower()} change", (240, y), (120, y), stock))
        flows.append(Flow(f"{variance.lower()} change", (240, y + 95), (120, y + 95), variance))
    return flows


def _fluctuation_auxiliaries() -> dict[str, Point]:
    auxiliaries: dict[str, Point] = {}
    for row, (noise, _, white, _) in enumerate(_ROWS):
        y = _row_y(row)
        auxiliaries[f"white noise {white}"] = (300, y - 85)
        auxiliaries[f"{noise} noise"] = (640, y + 48)
    return auxiliaries


def _fluctuation_shadows() -> list[tuple[str, Point]]:
    shadows: list[tuple[str, Point]] = []
    for row, (*_, expected) in enumerate(_ROWS):
        y = _row_y(row)
        shadows += [
            ("noise scale", (155, y + 48)),
            ("noise correlation time", (50, y + 48)),
            ("TIME STEP", (150, y + 160)),
            (expected, (840, y - 5)),
            ("noise correlation time", (840, y + 100)),
        ]
    return shadows


POLICY = View(
    title="6 Policy levers and fluctuations",
    stocks=_fluctuation_stocks(),
    flows=_fluctuation_flows(),
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
        **_fluctuation_auxiliaries(),
        "firm event": (760, _row_y(1) - 120),
        "patent event": (760, _row_y(2) + 170),
        "noise correlation time": (880, 390),
        "noise scale": (940, 450),
        "noise sd": (1000, 390),
    },
    shadows=_fluctuation_shadows(),
    notes={
        "Policy levers (section 4 of the paper): set them in a scenario file": (400, 15),
        "Fluctuations: seeded white noise from Python, smoothed over the correlation "
        "time; each multiplier is exp(x - variance / 2), mean 1": (520, 395),
    },
)
