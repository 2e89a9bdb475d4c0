"""Equations of the innovation-cluster model, as data: name, equation, units, range, doc.

Authoring aid. ``build_model.py`` writes ``models/innovation_cluster.mdl`` from this
table and the layout in ``layout.py``. The ``.mdl`` file is the model of record:
once a modeler edits it in Vensim, edit the ``.mdl`` (this table then documents the
first version only; nothing in the package or the tests reads it).

Paper: Peng Wang (2020), "Research on the Formation Mechanism of Innovation Clusters
Based on Self-Organization Theory", Social Security and Administration Management 1:1-4,
doi:10.23977/socsam.2020.010101. Section numbers below are the paper's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Var:
    """One model variable as it will appear in the Vensim equations section."""

    name: str
    equation: str
    units: str
    doc: str
    group: str
    range: tuple[float, float] | None = None


GROWTH = "Cluster growth"
KNOWLEDGE = "Knowledge resources and the three powers"
ENTROPY = "Entropy balance and order"
POLICY = "Policy levers and fluctuations"

# Reading of the paper's R, K, U (it does not define them), stated once and repeated
# in each entropy variable's documentation: R innovation resources (capital and
# talent), K knowledge and technology, U the actor (unit) subsystem and its
# coordination; from the Chinese literature on resource / knowledge / organisation
# entropy of clusters.
RKU = "R innovation resources (capital and talent), K knowledge and technology, U actors (firms, universities, government, intermediaries) and their coordination"

VARIABLES: list[Var] = [
    # ----------------------------------------------------------------- growth
    Var("Innovative Firms", "INTEG(spawning + attraction entry - firm exit, initial firms)", "firm",
        "Firms in the innovation cluster. Grows by spin-offs (R1) and by attracting firms from outside (R2); "
        "shrinks by exit. Section 1(1) self-enhancement of cluster elements.", GROWTH),
    Var("initial firms", "10", "firm", "Firms at the start: the seed of the cluster (micro fluctuation starts small, section 2).", GROWTH, (0, 400)),
    Var("spawning", "Innovative Firms * spawn rate * support * order effect * room * noise multiplier", "firm/Year",
        "New firms formed or derived from existing mature firms with the support of technology, capital and manpower "
        "(section 1(1)); loop R1 spin-offs. Scaled by support, order (R6 slaving), room (B1) and the fluctuation input.", GROWTH),
    Var("spawn rate", "0.15", "1/Year", "Spin-offs per firm and year when resources and knowledge are adequate (modelling choice).", GROWTH, (0, 1)),
    Var("support", "SQRT(MIN(2, resource adequacy) * MIN(2, relative knowledge))", "Dmnl",
        "Support of capital, manpower and technology for new firms (section 1(1)): geometric mean of resource adequacy and "
        "relative knowledge, each capped at twice the norm. Dilution of both by growth is loop B2.", GROWTH),
    Var("attraction entry", "effective openness * entrepreneur pool * attractiveness * room", "firm/Year",
        "Innovative firms attracted from outside by the cluster's growing competitive advantage (section 1(1): 'it will "
        "attract more innovative enterprises to join'); loop R2. Needs an open cluster (section 4).", GROWTH),
    Var("entrepreneur pool", "10", "firm/Year", "Outside firms a fully open and attractive cluster could draw each year (modelling choice).", GROWTH, (0, 100)),
    Var("attractiveness", "agglomeration * order effect * MIN(2, relative knowledge)", "Dmnl",
        "Competitive advantage seen from outside: agglomeration, order and the technology base (section 1(1) 'the cluster "
        "effect is further amplified').", GROWTH),
    Var("agglomeration", "Innovative Firms / (Innovative Firms + agglomeration scale)", "Dmnl",
        "Spatial agglomeration of firms (section 1(2)): saturating in the number of firms.", GROWTH),
    Var("agglomeration scale", "20", "firm", "Firms at which agglomeration reaches half its maximum (modelling choice).", GROWTH, (1, 200)),
    Var("room", "MAX(0, 1 - crowding ratio ^ 2)", "Dmnl",
        "Room left for new firms: falls as the cluster fills its capacity (loop B1 crowding).", GROWTH),
    Var("crowding ratio", "Innovative Firms / cluster capacity", "Dmnl",
        "Firms relative to what the region's space, land and labour market can hold; drives crowding (B1), competition "
        "and entropy production (B3).", GROWTH),
    Var("cluster capacity", "400", "firm", "Firms the region can hold (modelling choice; the paper's cluster is finite).", GROWTH, (1, 2000)),
    Var("firm exit", "Innovative Firms / firm lifetime * (0.5 + Entropy U) * (1 + destructive competition)", "firm/Year",
        "Firms leaving or failing. Disorder among actors raises exit (loop B6: section 2.2(2) 'stagnant or even backward'); "
        "destructive competition raises it (B4).", GROWTH),
    Var("firm lifetime", "15", "Year", "Average life of a firm in an ordered cluster at half entropy (modelling choice).", GROWTH, (1, 50)),
    Var("Knowledge Sharing Firms", "INTEG(adoption - adopter loss, initial firms * initial sharing fraction)", "firm",
        "Firms that share the cluster's tacit knowledge and technology base (Bass diffusion). Section 1(2): tacit knowledge "
        "self-propagates through frequent communication; loop R4.", GROWTH),
    Var("initial sharing fraction", "0.1", "Dmnl", "Share of the first firms already sharing knowledge.", GROWTH, (0, 1)),
    Var("adoption", "(innovation coefficient + imitation coefficient * diffusion fraction) * MAX(0, Innovative Firms - Knowledge Sharing Firms)", "firm/Year",
        "Firms joining the knowledge-sharing network: by outside contact (innovation coefficient) and by imitating peers "
        "(imitation coefficient; section 1(2) 'peer companies exchange, learn and imitate each other').", GROWTH),
    Var("innovation coefficient", "base innovation coefficient + policy innovation coefficient * effective openness * (effective technology introduction + university cooperation)", "1/Year",
        "Bass coefficient of external influence: rises with technology introduction and university cooperation in an open cluster (section 4).", GROWTH),
    Var("base innovation coefficient", "0.01", "1/Year", "External adoption rate with no policy (Bass p, modelling choice).", GROWTH, (0, 0.1)),
    Var("policy innovation coefficient", "0.05", "1/Year", "Extra external adoption per unit of open technology and university policy.", GROWTH, (0, 0.2)),
    Var("imitation coefficient", "base imitation coefficient * (0.5 + internal cooperation) * agglomeration", "1/Year",
        "Bass coefficient of imitation: agglomeration makes contact frequent, internal cooperation makes it productive (section 1(2)).", GROWTH),
    Var("base imitation coefficient", "0.5", "1/Year", "Imitation rate at full agglomeration and average cooperation (Bass q, modelling choice).", GROWTH, (0, 2)),
    Var("adopter loss", "Knowledge Sharing Firms / technology cycle + firm exit * diffusion fraction", "firm/Year",
        "Firms dropping out of the shared base: when technology moves on, and when sharing firms exit.", GROWTH),
    Var("technology cycle", "10", "Year", "Years a shared technology base stays current (modelling choice).", GROWTH, (1, 50)),
    Var("diffusion fraction", "ZIDZ(Knowledge Sharing Firms, Innovative Firms)", "Dmnl",
        "Share of firms in the knowledge-sharing network (0 when there are no firms).", GROWTH),
    # -------------------------------------------------------------- knowledge
    Var("Knowledge Stock", "INTEG(knowledge creation + knowledge import - knowledge obsolescence, initial knowledge)", "KU",
        "The cluster's technology base in knowledge units (patent equivalents). Section 1(2) self-magnification of "
        "innovation capability.", KNOWLEDGE),
    Var("initial knowledge", "50", "KU", "Technology base at the start.", KNOWLEDGE, (0, 1000)),
    Var("knowledge creation", "Innovative Firms * innovation power", "KU/Year",
        "Knowledge the firms create: the internal innovation power at work (section 3.1).", KNOWLEDGE),
    Var("innovation power", "base innovation productivity * competition effect * environment effect * order effect * MIN(1.5, resource adequacy) * (1 + spillover strength * diffusion fraction)", "KU/(firm*Year)",
        "The internal power (section 3.1): knowledge created per firm. Competition (R3) and the environment raise it, "
        "as external power acting indirectly through internal power; order (R6), resources (R7) and spillovers (R4) too.", KNOWLEDGE),
    Var("base innovation productivity", "0.5", "KU/(firm*Year)", "Knowledge a firm creates alone under neutral conditions (modelling choice).", KNOWLEDGE, (0, 5)),
    Var("spillover strength", "1", "Dmnl", "Gain in productivity when every firm shares the tacit base (section 1(2)).", KNOWLEDGE, (0, 3)),
    Var("knowledge import", "effective openness * Innovative Firms * (effective technology introduction * technology transfer intensity + university cooperation * university transfer intensity) * absorptive capacity", "KU/Year",
        "Technology flowing in: introduced technology and university-industry cooperation (section 4), taken up as far as "
        "the cluster can absorb it.", KNOWLEDGE),
    Var("technology transfer intensity", "2", "KU/(firm*Year)", "Knowledge per firm and year at full technology introduction.", KNOWLEDGE, (0, 10)),
    Var("university transfer intensity", "2", "KU/(firm*Year)", "Knowledge per firm and year at full university cooperation.", KNOWLEDGE, (0, 10)),
    Var("absorptive capacity", "diffusion fraction * (0.5 + internal cooperation) * (0.5 + Order Degree)", "Dmnl",
        "How much of what flows in the cluster can take up: grows with knowledge sharing, cooperation and order "
        "(loop R5 negentropy autocatalysis; section 3.2 synergy).", KNOWLEDGE),
    Var("knowledge obsolescence", "Knowledge Stock / knowledge lifetime", "KU/Year", "Knowledge that becomes obsolete (loop B5).", KNOWLEDGE),
    Var("knowledge lifetime", "8", "Year", "Average useful life of knowledge (modelling choice).", KNOWLEDGE, (1, 50)),
    Var("relative knowledge", "XIDZ(Knowledge Stock, Innovative Firms * knowledge norm, 1)", "Dmnl",
        "Knowledge per firm relative to the norm (1 when there are no firms); diluted by growth (loop B2).", KNOWLEDGE),
    Var("knowledge norm", "5", "KU/firm", "Knowledge per firm that counts as adequate.", KNOWLEDGE, (0.1, 100)),
    Var("Innovation Resources", "INTEG(resource generation + external resource inflow - resource depreciation, initial resources)", "RU",
        "Capital and talent available to the cluster (section 1(1) 'technology, capital and manpower').", KNOWLEDGE),
    Var("initial resources", "100", "RU", "Capital and talent at the start.", KNOWLEDGE, (0, 2000)),
    Var("resource generation", "Knowledge Stock * knowledge yield", "RU/Year",
        "Returns on knowledge reinvested as capital and talent (loop R7 reinvestment).", KNOWLEDGE),
    Var("knowledge yield", "0.2", "RU/(KU*Year)", "Resources earned per unit of knowledge and year.", KNOWLEDGE, (0, 2)),
    Var("external resource inflow", "effective openness * Innovative Firms * (attractiveness * market resource intensity + government support * public funding intensity)", "RU/Year",
        "Capital and talent drawn from outside: by the cluster's attractiveness and by government funding (section 4), "
        "only as far as the cluster is open.", KNOWLEDGE),
    Var("market resource intensity", "3", "RU/(firm*Year)", "Outside capital and talent per firm and year at full attractiveness.", KNOWLEDGE, (0, 20)),
    Var("public funding intensity", "3", "RU/(firm*Year)", "Public funding per firm and year at full government support.", KNOWLEDGE, (0, 20)),
    Var("resource depreciation", "Innovation Resources / resource lifetime", "RU/Year", "Capital spent and talent leaving (loop B5).", KNOWLEDGE),
    Var("resource lifetime", "5", "Year", "Average time capital and talent stay productive.", KNOWLEDGE, (1, 50)),
    Var("resource adequacy", "XIDZ(Innovation Resources, Innovative Firms * resource norm, 1)", "Dmnl",
        "Resources per firm relative to the norm (1 when there are no firms); diluted by growth (loop B2).", KNOWLEDGE),
    Var("resource norm", "10", "RU/firm", "Resources per firm that count as adequate.", KNOWLEDGE, (0.1, 100)),
    Var("competitive power", "crowding ratio + effective openness * external rivalry", "Dmnl",
        "The competitive power (section 3.1, external): pressure from rivals inside the crowding cluster and outside it. "
        "Section 1(2): many innovative firms raise competitive pressure.", KNOWLEDGE),
    Var("external rivalry", "0.3", "Dmnl", "Competitive pressure from outside rivals in a fully open cluster.", KNOWLEDGE, (0, 1)),
    Var("competition effect", "MAX(0.2, 1 + competition stimulus * 4 * competitive power * (1 - competitive power))", "Dmnl",
        "Effect of competition on R&D: moderate rivalry spurs technology investment (section 1(2); loop R3), excess "
        "depresses it; never below 0.2.", KNOWLEDGE),
    Var("competition stimulus", "0.5", "Dmnl", "Largest gain in innovation from competition, reached at pressure 0.5.", KNOWLEDGE, (0, 2)),
    Var("destructive competition", "2 * MAX(0, competitive power - 0.5) * (1 - fair competition regulation)", "Dmnl",
        "Competition beyond the productive level (pressure above 0.5), softened by fair-competition regulation "
        "(section 4; loop B4).", KNOWLEDGE),
    Var("environmental power", "effective openness * (government support + university cooperation + effective technology introduction) / 3", "Dmnl",
        "The environmental power (section 3.1, external): policy, universities and technology reaching an open cluster.", KNOWLEDGE),
    Var("environment effect", "1 + environment response * environmental power", "Dmnl",
        "External power acting on internal power: 'the constantly updated environment promotes internal dynamics' (section 3.1).", KNOWLEDGE),
    Var("environment response", "1", "Dmnl", "Gain in innovation power per unit of environmental power.", KNOWLEDGE, (0, 3)),
    # ---------------------------------------------------------------- entropy
    Var("Entropy R", "INTEG(diS R + deS R, initial entropy)", "Dmnl",
        "Disorder of the innovation-resources subsystem R (capital and talent): 0 ordered, 1 maximum-entropy equilibrium. "
        f"Section 2.2 dS = dS_R + dS_K + dS_U; reading of the letters: {RKU}.", ENTROPY),
    Var("Entropy K", "INTEG(diS K + deS K, initial entropy)", "Dmnl",
        "Disorder of the knowledge subsystem K (explicit and tacit technology): 0 ordered, 1 equilibrium. Section 2.2.", ENTROPY),
    Var("Entropy U", "INTEG(diS U + deS U, initial entropy)", "Dmnl",
        "Disorder of the actor subsystem U (firms, universities, government, intermediaries and their coordination): "
        "0 ordered, 1 equilibrium. Section 2.2.", ENTROPY),
    Var("initial entropy", "0.85", "Dmnl", "Entropy of each subsystem at the start: near equilibrium (micro fluctuation, section 2).", ENTROPY, (0, 1)),
    Var("entropy production rate", "0.1", "1/Year", "Base rate of internal entropy production (section 2.1: diS > 0 always).", ENTROPY, (0, 1)),
    Var("diS R", "entropy production rate * (1 + crowding ratio) * (1 - 0.5 * government support) * (1 - Entropy R)", "1/Year",
        "Entropy produced inside the resources subsystem (section 2.1: irreversible, never negative): rises with crowding "
        "(loop B3), eased by government support.", ENTROPY),
    Var("diS K", "entropy production rate * (2 - diffusion fraction) * (1 - Entropy K)", "1/Year",
        "Entropy produced inside the knowledge subsystem: fragmentation, lowered as knowledge is shared.", ENTROPY),
    Var("diS U", "entropy production rate * (1 + (crowding ratio + Innovative Firms / (Innovative Firms + coordination scale)) * (1 - internal cooperation)) * (1 + destructive competition) * (1 - 0.5 * government support) * (1 - Entropy U)", "1/Year",
        "Entropy produced among the actors: coordination gets harder as the cluster crowds and grows (B3) unless firms "
        "cooperate; destructive competition adds to it (B4).", ENTROPY),
    Var("coordination scale", "1000", "firm", "Cluster size at which coordination costs reach half their maximum.", ENTROPY, (1, 10000)),
    Var("turbulence rate", "0.02", "1/Year", "Disorder an open cluster imports from its environment (the positive part of deS).", ENTROPY, (0, 0.2)),
    Var("negentropy efficiency", "4", "Dmnl", "Order brought by real inflows of resources and knowledge per unit of renewal rate.", ENTROPY, (0, 10)),
    Var("maximum renewal rate", "1", "1/Year", "Upper bound on the share of a stock renewed from outside in a year.", ENTROPY, (0.1, 10)),
    Var("resource renewal rate", "MIN(maximum renewal rate, ZIDZ(external resource inflow, Innovation Resources))", "1/Year",
        "Share of capital and talent renewed from outside each year.", ENTROPY),
    Var("knowledge renewal rate", "MIN(maximum renewal rate, ZIDZ(knowledge import, Knowledge Stock))", "1/Year",
        "Share of the technology base renewed from outside each year.", ENTROPY),
    Var("institutional exchange", "effective openness * institutional exchange rate * (government support + university cooperation + fair competition regulation) / 3 * absorptive capacity", "1/Year",
        "Order the actors take in from guidance, universities and fair rules (section 4), as far as they can absorb it.", ENTROPY),
    Var("institutional exchange rate", "1.5", "1/Year", "Institutional exchange at full openness, policy and absorption.", ENTROPY, (0, 5)),
    Var("deS R", "effective openness * turbulence rate * (1 - Entropy R) - negentropy efficiency * Entropy R * absorptive capacity * resource renewal rate", "1/Year",
        "Entropy exchanged with the environment by the resources subsystem (section 2.1: deS may be positive or negative): "
        "imported turbulence minus the negentropy carried by outside capital and talent. Zero in a closed cluster.", ENTROPY),
    Var("deS K", "effective openness * turbulence rate * (1 - Entropy K) - negentropy efficiency * Entropy K * knowledge renewal rate", "1/Year",
        "Entropy exchanged by the knowledge subsystem: turbulence minus the negentropy of imported technology (section 4 "
        "'introduce advanced technologies to promote the inflow of technology flows').", ENTROPY),
    Var("deS U", "effective openness * turbulence rate * (1 - Entropy U) - Entropy U * institutional exchange", "1/Year",
        "Entropy exchanged by the actor subsystem: turbulence minus institutional negentropy (government guidance, "
        "universities, fair competition; section 4).", ENTROPY),
    Var("dS R", "diS R + deS R", "1/Year", "Entropy change of the resources subsystem, dS_R = diS_R + deS_R (section 2.2).", ENTROPY),
    Var("dS K", "diS K + deS K", "1/Year", "Entropy change of the knowledge subsystem, dS_K = diS_K + deS_K (section 2.2).", ENTROPY),
    Var("dS U", "diS U + deS U", "1/Year", "Entropy change of the actor subsystem, dS_U = diS_U + deS_U (section 2.2).", ENTROPY),
    Var("diS total", "diS R + diS K + diS U", "1/Year", "Entropy produced inside the whole cluster: always positive (section 2.1).", ENTROPY),
    Var("deS total", "deS R + deS K + deS U", "1/Year", "Entropy exchanged with the environment: negative when negentropy flows in (section 2.1).", ENTROPY),
    Var("dS total", "diS total + deS total", "1/Year",
        "Total entropy change dS = diS + deS (section 2.2). Below zero the cluster orders itself (case 1), above zero it "
        "slides into disorder (case 2), near zero it is balanced (case 3).", ENTROPY),
    Var("entropy tolerance", "0.005", "1/Year", "Band around dS = 0 read as the balanced state (section 2.2 case 3).", ENTROPY, (0, 0.1)),
    Var("entropy regime", "IF THEN ELSE(dS total < -entropy tolerance, 1, IF THEN ELSE(dS total > entropy tolerance, -1, 0))", "Dmnl",
        "Section 2.2's three cases: 1 orderly (dS < 0), 0 balanced (dS = 0 within the tolerance), -1 disorder (dS > 0).", ENTROPY),
    Var("Order Degree", "1 - (Entropy R + Entropy K + Entropy U) / 3", "Dmnl",
        "The order parameter (Haken): one minus mean entropy. 'Entropy is inversely proportional to the formation of "
        "systematic ordering structure' (section 2.1).", ENTROPY),
    Var("order effect", "order effect base + order effect slope * Order Degree", "Dmnl",
        "The order parameter slaves the parts (loop R6): an ordered cluster spawns, attracts and innovates more "
        "(section 3.2 'continuously improves the orderly degree of its own structure').", ENTROPY),
    Var("order effect base", "0.4", "Dmnl", "Order effect of a fully disordered cluster.", ENTROPY, (0, 2)),
    Var("order effect slope", "1.2", "Dmnl", "Gain in order effect per unit of Order Degree.", ENTROPY, (0, 3)),
    Var("order gain R", "initial entropy - Entropy R", "Dmnl", "Entropy removed from the resources subsystem since the start.", ENTROPY),
    Var("order gain K", "initial entropy - Entropy K", "Dmnl", "Entropy removed from the knowledge subsystem since the start.", ENTROPY),
    Var("order gain U", "initial entropy - Entropy U", "Dmnl", "Entropy removed from the actor subsystem since the start.", ENTROPY),
    Var("synergy degree", "IF THEN ELSE(MIN(order gain R, MIN(order gain K, order gain U)) > 0, 1, -1) * ABS(order gain R * order gain K * order gain U) ^ (1/3)", "Dmnl",
        "Composite-system synergy degree (Meng and Han): geometric mean of the three subsystems' order gains, positive "
        "only when all three gained order together (section 3.2 synergy mechanism).", ENTROPY),
    # ---------------------------------------------------------------- policy
    Var("openness", "0.5", "Dmnl",
        "Policy lever. Openness of the cluster to outside capital, talent, technology and firms: 'an open environment is a "
        "precondition for the evolution of the innovation cluster system' (section 4).", POLICY, (0, 1)),
    Var("openness step", "0", "Dmnl", "Change in openness at the openness step time (closing or opening a mature cluster).", POLICY, (-1, 1)),
    Var("openness step time", "30", "Year", "Time at which the openness step takes effect.", POLICY, (0, 200)),
    Var("effective openness", "MIN(1, MAX(0, openness + STEP(openness step, openness step time)))", "Dmnl",
        "Openness in force: the lever plus its step, kept within 0..1.", POLICY),
    Var("technology introduction", "0.3", "Dmnl",
        "Policy lever. Active introduction of advanced technology (section 4 'actively introduce advanced technologies').", POLICY, (0, 1)),
    Var("technology introduction step", "0", "Dmnl", "Change in technology introduction at its step time (upgrading a mature cluster).", POLICY, (-1, 1)),
    Var("technology introduction step time", "30", "Year", "Time at which the technology introduction step takes effect.", POLICY, (0, 200)),
    Var("effective technology introduction", "MIN(1, MAX(0, technology introduction + STEP(technology introduction step, technology introduction step time)))", "Dmnl",
        "Technology introduction in force: the lever plus its step, kept within 0..1.", POLICY),
    Var("internal cooperation", "0.5", "Dmnl",
        "Policy lever. Cooperation among the cluster's firms (section 4 'increase cooperation within the cluster').", POLICY, (0, 1)),
    Var("government support", "0.3", "Dmnl",
        "Policy lever. Government guidance and funding (section 4 'give full play to their guiding role').", POLICY, (0, 1)),
    Var("fair competition regulation", "0.5", "Dmnl",
        "Policy lever. Rules that keep competition fair (section 4 'ensure fair competition in the entire market').", POLICY, (0, 1)),
    Var("university cooperation", "0.3", "Dmnl",
        "Policy lever. Cooperation of universities and institutes with cluster firms (section 4).", POLICY, (0, 1)),
    Var("white noise input", "0", "Dmnl",
        "Exogenous white noise, one standard normal draw per time step, supplied seeded from Python (0 in a deterministic "
        "run). Random fluctuations of section 4; kept outside the model so every engine runs it.", POLICY),
    Var("noise sd", "0.15", "Dmnl", "Standard deviation of the pink-noise fluctuation in spin-off rates.", POLICY, (0, 1)),
    Var("noise correlation time", "1", "Year", "Correlation time of the pink noise.", POLICY, (0.25, 10)),
    Var("noise scale", "SQRT((2 - TIME STEP / noise correlation time) / (TIME STEP / noise correlation time)) * noise sd", "Dmnl",
        "Scales white noise so the pink noise has standard deviation noise sd whatever the TIME STEP.", POLICY),
    Var("Pink Noise", "INTEG(pink noise change, 0)", "Dmnl",
        "First-order smoothed fluctuation: the micro fluctuations that positive feedback may amplify (section 2, 4).", POLICY),
    Var("pink noise change", "(white noise input * noise scale - Pink Noise) / noise correlation time", "1/Year",
        "Exponential smoothing of the white noise input into pink noise.", POLICY),
    Var("noise multiplier", "MAX(0, 1 + Pink Noise)", "Dmnl", "Fluctuation applied to spin-offs; never negative.", POLICY),
]

CONTROL = [
    Var("FINAL TIME", "60", "Year", "The final time for the simulation.", "Control"),
    Var("INITIAL TIME", "0", "Year", "The initial time for the simulation.", "Control"),
    Var("SAVEPER", "0.25", "Year", "The frequency with which output is stored.", "Control"),
    Var("TIME STEP", "0.0625", "Year", "The time step for the simulation (1/16 year, Euler).", "Control"),
]
