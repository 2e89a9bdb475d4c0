"""Equations of the innovation-cluster model, version 2, as data: name, equation, units, range, doc.

Authoring aid. ``build_model.py`` writes ``models/innovation_cluster.mdl`` from this
table and the layout in ``layout.py``. The ``.mdl`` file is the model of record:
once a modeler edits it in Vensim, edit the ``.mdl`` (this table then documents the
version it wrote; nothing in the package or the tests reads it).

Paper: Peng Wang (2020), "Research on the Formation Mechanism of Innovation Clusters
Based on Self-Organization Theory", Social Security and Administration Management 1:1-4,
doi:10.23977/socsam.2020.010101. Section numbers below are the paper's. The structure
follows ``docs/model-spec.md`` (version 2).
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
KNOWLEDGE = "Knowledge and technology generations"
POWERS = "The three powers and synergy"
ENTROPY = "Entropy balance and order"
POLICY = "Policy levers and fluctuations"

# Reading of the paper's R, K, U (it does not define them), stated once and repeated
# in each entropy variable's documentation.
RKU = "R innovation resources (capital and talent), K knowledge and technology, U actors (firms, universities, government, intermediaries) and their coordination"
INDEX = ("a disorder index of the subsystem (0 fully ordered, 1 the dispersed, uncoordinated equilibrium), "
         "a measurement model rather than a thermodynamic entropy")
RELAX = ("Written as first-order relaxation: production (1 - S) and exchange with the outside (1 - S) for "
         "imported turbulence minus a negentropy rate times S, every rate bounded, so S stays in [0, 1] under "
         "Euler whenever the sum of the rates is below 1/TIME STEP (at most 1.3/Year in the declared ranges).")


def effect(x: str, half: str) -> str:
    """Return a saturating effect of ``x`` that is 1 at ``x = 1`` and tends to ``1 + half``."""
    return f"(1 + {half}) * {x} / ({x} + {half})"


VARIABLES: list[Var] = [
    # ----------------------------------------------------------------- growth
    Var("Young Firms", "INTEG(spinoffs + entry - maturation - young firm exit, initial young firms)", "firm",
        "Firms founded in the cluster in the last years, by spin-off from mature firms or by entry from outside. "
        "Section 1(1): the cluster grows by 'forming new enterprises or deriving new enterprises on the basis of existing "
        "mature enterprises'. First stage of the ageing chain.", GROWTH),
    Var("Mature Firms", "INTEG(maturation - mature firm exit, initial mature firms)", "firm",
        "Established firms of the cluster: the ones that spawn new firms (section 1(1)). Second stage of the ageing chain.",
        GROWTH),
    Var("Innovative Firms", "Young Firms + Mature Firms", "firm",
        "All innovative firms of the cluster, young and mature (section 1(1) 'the scale of the cluster'). The state whose "
        "loop dominance defines the phases.", GROWTH),
    Var("initial young firms", "2", "firm", "Young firms at the start (assumption: a seed of a dozen firms, section 2 micro fluctuation).", GROWTH, (0, 100)),
    Var("initial mature firms", "8", "firm", "Mature firms at the start (assumption).", GROWTH, (0, 300)),
    Var("maturation", "Young Firms / maturation time", "firm/Year", "Young firms becoming established.", GROWTH),
    Var("maturation time", "4", "Year",
        "Years a surviving firm takes to mature (assumption; survival curves flatten after about five years, "
        "Dunne, Roberts and Samuelson 1988).", GROWTH, (2, 10)),
    Var("spinoffs", "expected spinoffs * spinoff noise", "firm/Year",
        "New firms derived from mature firms 'with the support of technology, capital and manpower' (section 1(1)): the "
        "expected spinoffs times their own fluctuation (section 2 micro fluctuation).", GROWTH),
    Var("expected spinoffs", "Mature Firms * spinoff rate * agglomeration economies * innovation effect * order effect * room",
        "firm/Year",
        "Spin-offs the cluster's state calls for before chance; loop R1. Needs critical mass (agglomeration economies), "
        "innovation (R3 through innovation power), order (R6) and room (B1). Split from spinoffs because the size of "
        "their fluctuation depends on how many are expected (spinoff noise).", GROWTH),
    Var("spinoff rate", "0.5", "1/Year",
        "Spin-offs per mature firm and year in a dense, innovative, ordered cluster with room (assumption; spin-off "
        "rates of 2-5 %/yr per firm in a typical region rise several-fold in hubs, Klepper 2007).", GROWTH, (0.1, 1)),
    Var("agglomeration economies", "Innovative Firms ^ 2 / (Innovative Firms ^ 2 + critical mass ^ 2)", "Dmnl",
        "Localisation economies of a dense cluster (section 1(2) spatial agglomeration): shared labour, suppliers and "
        "contacts. S-shaped in the number of firms, so a few firms gain little and a cluster past its critical mass gains "
        "much: the source of the critical mass and of the two stable states (Arthur 1990).", GROWTH),
    Var("critical mass", "25", "firm", "Firms at which agglomeration economies reach half their strength (assumption).", GROWTH, (10, 100)),
    Var("entry", "expected entry * entry noise", "firm/Year",
        "Innovative firms attracted from outside (section 1(1): 'it will attract more innovative enterprises to join'): "
        "the expected entry times its own fluctuation (section 2 micro fluctuation).", GROWTH),
    Var("expected entry", "effective openness * entrepreneur pool * attractiveness * room", "firm/Year",
        "Entry the cluster's state calls for before chance; loop R2. Needs an open cluster (section 4). Split from entry "
        "because the size of its fluctuation depends on how many firms are expected (entry noise).", GROWTH),
    Var("entrepreneur pool", "6", "firm/Year", "Outside firms a fully open and attractive cluster could draw each year (assumption).", GROWTH, (2, 20)),
    Var("attractiveness", "(base attractiveness + agglomeration economies) * order effect", "Dmnl",
        "Competitive advantage seen from outside: agglomeration and order (section 1(1) 'the cluster effect is further "
        "amplified').", GROWTH),
    Var("base attractiveness", "0.25", "Dmnl", "Attractiveness of a region with no cluster yet (assumption).", GROWTH, (0, 1)),
    Var("room", "1 / (1 + (Innovative Firms / regional capacity) ^ 2)", "Dmnl",
        "Room left for new firms: falls smoothly as the cluster fills the region (loop B1 crowding); never switches the "
        "growth loops off.", GROWTH),
    Var("regional capacity", "200", "firm", "Firms at which the region's land and labour leave half the room (assumption).", GROWTH, (50, 1000)),
    Var("young firm exit", "Young Firms * young exit rate * exit pressure", "firm/Year", "Young firms failing: a young exit rate raised by exit pressure when the cluster is crowded or disordered (loop B1; Dunne, Roberts & Samuelson 1988 find young plants exit most).", GROWTH),
    Var("young exit rate", "0.12", "1/Year",
        "Exit rate of young firms in an orderly cluster (Dunne, Roberts and Samuelson 1988: young plants exit faster, "
        "10-15 %/yr).", GROWTH, (0.05, 0.3)),
    Var("mature firm exit", "Mature Firms * mature exit rate * exit pressure", "firm/Year", "Mature firms failing or leaving.", GROWTH),
    Var("mature exit rate", "0.08", "1/Year", "Exit rate of established firms (Dunne, Roberts and Samuelson 1988: 8-10 %/yr).", GROWTH, (0.02, 0.2)),
    Var("exit pressure", "EXP(disorder exit sensitivity * (Entropy U - reference entropy)) * (1 + destructive competition)", "Dmnl",
        "Disorder among actors raises exit (loop B6, section 2.2(2) 'stagnant or even backward'), and so does "
        "destructive competition (B4). 1 at the reference entropy without destructive rivalry; exponential in the entropy so it "
        "stays positive over the whole declared range (a linear form turned exit into entry at low entropy).", GROWTH),
    Var("disorder exit sensitivity", "1", "Dmnl", "Proportional rise in exit per unit of actor entropy above the reference (assumption).", GROWTH, (0, 2)),
    Var("reference entropy", "0.5", "Dmnl", "Entropy at which disorder neither raises nor lowers exit (assumption).", GROWTH, (0.2, 0.8)),
    Var("Knowledge Sharing Firms", "INTEG(adoption - sharing loss, initial mature firms * initial sharing fraction)", "firm",
        "Firms sharing the cluster's tacit knowledge (Bass diffusion). Section 1(2): 'Tacit knowledge can be "
        "self-propagated through in-depth communication'; loop R4.", GROWTH),
    Var("initial sharing fraction", "0.1", "Dmnl", "Share of the first firms already sharing knowledge (assumption).", GROWTH, (0, 1)),
    Var("adoption", "(external contact rate + imitation rate * sharing fraction) * (Innovative Firms - Knowledge Sharing Firms)", "firm/Year",
        "Firms joining the knowledge-sharing network by outside contact and by imitating peers (section 1(2) 'the peer "
        "companies exchange, learn and imitate each other').", GROWTH),
    Var("external contact rate", "bass innovation coefficient * (1 + effective openness * (university cooperation + effective technology introduction))", "1/Year",
        "Bass coefficient of external influence, raised by universities and technology introduction in an open cluster.", GROWTH),
    Var("bass innovation coefficient", "0.03", "1/Year", "Bass p (Sultan, Farley and Lehmann 1990: mean 0.03).", GROWTH, (0.01, 0.1)),
    Var("imitation rate", "bass imitation coefficient * (1 + internal cooperation) / 2 * agglomeration economies", "1/Year",
        "Bass coefficient of imitation: agglomeration makes contact frequent, cooperation makes it productive (section 1(2)).",
        GROWTH),
    Var("bass imitation coefficient", "0.38", "1/Year", "Bass q (Sultan, Farley and Lehmann 1990: mean 0.38).", GROWTH, (0.1, 0.8)),
    Var("sharing loss", "Knowledge Sharing Firms * (XIDZ(young firm exit + mature firm exit, Innovative Firms, young exit rate * exit pressure) + 1 / sharing lifetime)", "firm/Year",
        "Firms dropping out of the sharing network: by exit at the cluster's average exit rate (so the network never "
        "outnumbers the firms), and as ties lapse. XIDZ, like ZIDZ, treats a cluster of under 1e-6 firms as empty; "
        "then the network empties at the young firms' exit rate.", GROWTH),
    Var("sharing lifetime", "20", "Year", "Years a sharing tie lasts without renewal (assumption).", GROWTH, (5, 50)),
    Var("sharing fraction", "ZIDZ(Knowledge Sharing Firms, Innovative Firms)", "Dmnl", "Share of firms in the knowledge-sharing network.", GROWTH),
    # -------------------------------------------------------------- knowledge
    Var("Knowledge Stock", "INTEG(knowledge creation + knowledge absorption - knowledge obsolescence, initial knowledge)", "patent",
        "The cluster's technology base in patent equivalents, so it can be set against patent counts (section 1(2) "
        "self-magnification of innovation capability).", KNOWLEDGE),
    Var("initial knowledge", "30", "patent", "Technology base at the start (assumption: a few patents per firm).", KNOWLEDGE, (0, 500)),
    Var("knowledge creation", "expected knowledge creation * knowledge noise", "patent/Year",
        "Knowledge the firms create: the expected knowledge creation times its own fluctuation (section 2 micro "
        "fluctuation).", KNOWLEDGE),
    Var("expected knowledge creation", "Innovative Firms * innovation power", "patent/Year",
        "Knowledge the firms' innovation power creates before chance (section 3.1, internal power). Split from knowledge "
        "creation because the size of its fluctuation depends on how many patents are expected (knowledge noise).",
        KNOWLEDGE),
    Var("knowledge obsolescence", "Knowledge Stock * knowledge depreciation rate", "patent/Year", "Knowledge that becomes obsolete (loop B5).", KNOWLEDGE),
    Var("knowledge depreciation rate", "0.15", "1/Year", "R&D capital depreciation (Hall 2005: about 15 %/yr).", KNOWLEDGE, (0.05, 0.3)),
    Var("knowledge per firm", "XIDZ(Knowledge Stock, Innovative Firms, knowledge norm)", "patent/firm", "Knowledge per firm (the norm when there are no firms); diluted by growth (B2).", KNOWLEDGE),
    Var("knowledge norm", "10", "patent/firm", "Knowledge per firm at which absorptive capacity is half its most (assumption).", KNOWLEDGE, (1, 50)),
    Var("Frontier Knowledge", "INTEG(frontier growth, initial frontier knowledge)", "patent/firm",
        "Knowledge per firm at the world technology frontier outside the cluster: what an open cluster can learn from.",
        KNOWLEDGE),
    Var("initial frontier knowledge", "40", "patent/firm", "Frontier knowledge per firm at the start (assumption).", KNOWLEDGE, (5, 100)),
    Var("frontier growth", "Frontier Knowledge * frontier growth rate", "patent/(firm*Year)", "Growth of the world frontier.", KNOWLEDGE),
    Var("frontier growth rate", "0.02", "1/Year", "Growth of the frontier (US utility patents grew about 2-4 %/yr in 1985-2015, USPTO).", KNOWLEDGE, (0, 0.05)),
    Var("knowledge gap", "Frontier Knowledge / (Frontier Knowledge + knowledge per firm)", "Dmnl",
        "How far the cluster lags the frontier: near 1 far behind, 1/2 level with it, near 0 far ahead. Negentropy comes "
        "from this gap (section 4 'actively introduce advanced technologies').", KNOWLEDGE),
    Var("absorptive capacity", "knowledge per firm / (knowledge per firm + knowledge norm) * (1 + cooperation gain * internal cooperation * sharing fraction) / (1 + cooperation gain)", "Dmnl",
        "Share of outside knowledge the cluster can take up: rises with its own knowledge per firm (Cohen and Levinthal "
        "1990) and with cooperation in a sharing network (section 3.2 synergy). Between 0 and 1.", KNOWLEDGE),
    Var("cooperation gain", "2", "Dmnl", "How much cooperation in a sharing network raises absorptive capacity (assumption).", KNOWLEDGE, (0, 5)),
    Var("knowledge access", "effective openness * (base knowledge access + technology transfer weight * effective technology introduction + university transfer weight * university cooperation)", "Dmnl",
        "Channels to outside knowledge in force: openness times technology introduction and university cooperation (section 4).", KNOWLEDGE),
    Var("base knowledge access", "0.2", "Dmnl", "Access to outside knowledge with no policy (assumption).", KNOWLEDGE, (0, 1)),
    Var("technology transfer weight", "1", "Dmnl", "Access added by full technology introduction (assumption).", KNOWLEDGE, (0, 2)),
    Var("university transfer weight", "1", "Dmnl", "Access added by full university cooperation (assumption).", KNOWLEDGE, (0, 2)),
    Var("absorption index", "knowledge access * absorptive capacity * knowledge gap", "Dmnl",
        "Outside knowledge actually taken in, as a share of what full access, capacity and gap would bring.", KNOWLEDGE),
    Var("knowledge absorption", "absorption index * Frontier Knowledge * Innovative Firms * absorption rate", "patent/Year",
        "Technology flowing in from outside and taken up (section 4 'promote the inflow of technology flows').", KNOWLEDGE),
    Var("absorption rate", "0.05", "1/Year", "Share of the frontier a fully open, capable, lagging cluster takes in each year (assumption).", KNOWLEDGE, (0.01, 0.2)),
    Var("Technology Vitality", "INTEG(technology renewal - technology ageing, 1)", "Dmnl",
        "How much potential the cluster's current technology generation has left: 1 new, 0 exhausted (technology life "
        "cycle, Menzel and Fornahl 2010). The paper's 'optimize and upgrade with experiencing iterations' (abstract).",
        KNOWLEDGE),
    Var("technology ageing", "Technology Vitality * agglomeration economies / technology life", "1/Year",
        "The current generation matures and obsolesces as a formed cluster exploits it (loop B5); a dispersed region barely "
        "uses it up.", KNOWLEDGE),
    Var("technology life", "25", "Year", "Mean useful life of a technology generation exploited by a formed cluster (assumption; life cycles of decades, Menzel and Fornahl 2010).", KNOWLEDGE, (10, 50)),
    Var("Next Generation", "INTEG(exploration - technology renewal, 0)", "Dmnl",
        "Readiness of the next technology generation, built up by exploration before firms adopt it (section 4: universities "
        "and introduced technology seed it).", KNOWLEDGE),
    Var("exploration", "(technology seeding + exploration learning * Next Generation) * (1 - Next Generation)", "1/Year",
        "Work on the next generation: seeded from outside and from the firms' own R&D, then self-reinforcing learning.", KNOWLEDGE),
    Var("technology seeding", "seeding rate * (knowledge access * absorptive capacity + internal seeding * innovation effect)", "1/Year",
        "Seeds of the next generation: outside technology and universities reaching an open, capable cluster, and the "
        "firms' own research (section 4).", KNOWLEDGE),
    Var("seeding rate", "0.005", "1/Year", "Seeding of the next generation at full access and capacity (assumption).", KNOWLEDGE, (0, 0.05)),
    Var("internal seeding", "0.1", "Dmnl", "Seeding from the firms' own research relative to outside seeding (assumption).", KNOWLEDGE, (0, 1)),
    Var("exploration learning", "learning rate * absorptive capacity * technology channel", "1/Year",
        "Self-reinforcing learning on the next generation, as far as introduced technology and universities feed it.", KNOWLEDGE),
    Var("technology channel", "effective openness * (effective technology introduction + university generation weight * university cooperation)", "Dmnl",
        "The channels that carry new technology generations into the cluster: technology introduction and university "
        "cooperation in an open cluster (section 4).", KNOWLEDGE),
    Var("university generation weight", "0.2", "Dmnl",
        "How much university cooperation carries a new generation compared with introduced technology (assumption: "
        "universities seed research more than they transfer working technology).", KNOWLEDGE, (0, 1)),
    Var("learning rate", "4", "1/Year", "Learning on the next generation at full absorptive capacity (assumption).", KNOWLEDGE, (0.5, 5)),
    Var("technology renewal", "Next Generation * readiness effect * (1 - Technology Vitality) / adoption time", "1/Year",
        "Firms adopt the next generation once it is ready, renewing the technology base: a new ordering episode.", KNOWLEDGE),
    Var("readiness effect", "Next Generation ^ 4 / (Next Generation ^ 4 + readiness threshold ^ 4)", "Dmnl",
        "Firms switch only when the next generation is ready (S-shaped).", KNOWLEDGE),
    Var("readiness threshold", "0.5", "Dmnl", "Readiness at which half the firms would switch (assumption).", KNOWLEDGE, (0.2, 0.8)),
    Var("adoption time", "1", "Year", "Years to adopt a ready generation (assumption).", KNOWLEDGE, (0.5, 5)),
    Var("Innovation Resources", "INTEG(resource generation + resource inflow - resource depreciation, initial resources)", "RU",
        "Capital and talent available to the cluster (section 1(1) 'technology, capital and manpower').", KNOWLEDGE),
    Var("initial resources", "100", "RU", "Capital and talent at the start (assumption: the norm for the first firms).", KNOWLEDGE, (0, 2000)),
    Var("resource generation", "knowledge creation * knowledge yield", "RU/Year", "Returns on new knowledge reinvested as capital and talent (loop R7).", KNOWLEDGE),
    Var("knowledge yield", "2", "RU/patent", "Resources earned per patent equivalent created (assumption).", KNOWLEDGE, (0, 10)),
    Var("resource inflow", "effective openness * Innovative Firms * (attractiveness * market resource intensity + government support * public funding intensity)", "RU/Year",
        "Capital and talent drawn from outside by attractiveness and government funding (section 4), as far as the cluster is open.", KNOWLEDGE),
    Var("market resource intensity", "2", "RU/(firm*Year)", "Outside capital and talent per firm and year at full attractiveness (assumption).", KNOWLEDGE, (0, 10)),
    Var("public funding intensity", "2", "RU/(firm*Year)", "Public funding per firm and year at full government support (assumption).", KNOWLEDGE, (0, 10)),
    Var("resource depreciation", "Innovation Resources / resource lifetime", "RU/Year", "Capital spent and talent leaving (loop B5).", KNOWLEDGE),
    Var("resource lifetime", "5", "Year", "Average time capital and talent stay productive (assumption).", KNOWLEDGE, (1, 20)),
    Var("resource adequacy", "XIDZ(Innovation Resources, Innovative Firms * resource norm, 1)", "Dmnl", "Resources per firm relative to the norm; diluted by growth (B2).", KNOWLEDGE),
    Var("resource norm", "10", "RU/firm", "Resources per firm that count as adequate (assumption).", KNOWLEDGE, (1, 100)),
    Var("resource effect", effect("resource adequacy", "resource half effect"), "Dmnl", "Effect of resources on innovation, 1 at the norm, saturating (R7).", KNOWLEDGE),
    Var("resource half effect", "1", "Dmnl", "Saturation of the resource effect (assumption).", KNOWLEDGE, (0.2, 5)),
    # ----------------------------------------------------------------- powers
    Var("innovation power", "base innovation productivity * Technology Vitality * competition effect * environment effect * order effect * resource effect * spillover effect", "patent/(firm*Year)",
        "The innovation power (section 3.1, internal): knowledge created per firm. Raised by competition (R3), by the "
        "environment (external power acting indirectly), by order (R6), resources (R7) and spillovers (R4); bounded by the "
        "vitality of the current technology generation.", POWERS),
    Var("base innovation productivity", "1", "patent/(firm*Year)",
        "The cluster's own innovation capability: patent equivalents a firm creates a year under neutral conditions "
        "(assumption; of the order of USPTO patents per innovative firm).", POWERS, (0.2, 3)),
    Var("innovation effect", effect("innovation power / reference innovation power", "innovation half effect"), "Dmnl",
        "Effect of innovation power on spin-offs and seeding: 1 at the reference power, saturating (section 1(1): new firms "
        "need technology).", POWERS),
    Var("reference innovation power", "1", "patent/(firm*Year)", "Innovation power at which the innovation effect is 1 (assumption).", POWERS, (0.5, 2)),
    Var("innovation half effect", "1", "Dmnl", "Saturation of the innovation effect (assumption).", POWERS, (0.2, 5)),
    Var("spillover effect", "1 + spillover strength * sharing fraction", "Dmnl", "Gain in productivity from shared tacit knowledge (section 1(2); R4).", POWERS),
    Var("spillover strength", "0.5", "Dmnl", "Gain when every firm shares (assumption).", POWERS, (0, 2)),
    Var("internal rivalry", "competition intensity * Innovative Firms / (Innovative Firms + rivalry scale)", "Dmnl",
        "Competitive pressure among the cluster's own firms (section 1(2): many firms raise competitive pressure).", POWERS),
    Var("rivalry scale", "150", "firm", "Firms at which internal rivalry is half its most (assumption).", POWERS, (20, 1000)),
    Var("external rivalry", "competition intensity * effective openness * outside rivalry", "Dmnl",
        "Pressure from rivals outside, felt as far as the cluster is open (section 3.1: competitive power is external).", POWERS),
    Var("outside rivalry", "1", "Dmnl", "Pressure of outside rivals on a fully open cluster (assumption).", POWERS, (0, 2)),
    Var("competition intensity", "0.5", "Dmnl", "How strongly firms feel rivalry (assumption; the inverted U of Aghion et al. 2005).", POWERS, (0, 2)),
    Var("competitive power", "internal rivalry + external rivalry", "Dmnl", "The competitive power (section 3.1), internal plus external rivalry.", POWERS),
    Var("competition effect", "1 + competition stimulus * competitive power / optimal pressure * EXP(1 - competitive power / optimal pressure)", "Dmnl",
        "Competition synergy: moderate rivalry spurs R&D, excess rivalry less (inverted U, Aghion et al. 2005; section 1(2); "
        "loop R3).", POWERS),
    Var("competition stimulus", "0.8", "Dmnl", "Largest gain in innovation from competition (assumption).", POWERS, (0, 1)),
    Var("optimal pressure", "0.5", "Dmnl", "Competitive power that spurs R&D most (assumption).", POWERS, (0.2, 1)),
    Var("destructive competition", "destructive weight * (1 - fair competition regulation) * (1 + destructive saturation ^ 2) * (competitive power / optimal pressure) ^ 2 / (destructive saturation ^ 2 + (competitive power / optimal pressure) ^ 2)", "Dmnl",
        "Rivalry turned destructive (price wars, poaching), softened by fair-competition rules (section 4; loop B4). Rises with "
        "the square of the pressure (its value at the optimal pressure is destructive weight) and saturates once the pressure "
        "passes destructive saturation times the optimum, so entropy production and exit stay bounded.", POWERS),
    Var("destructive saturation", "3", "Dmnl", "Pressure, in multiples of the optimal pressure, beyond which destructive "
        "competition stops rising: markets cannot be fought over harder than total (assumption).", POWERS, (2, 4)),
    Var("destructive weight", "0.15", "Dmnl", "Destructive competition at the optimal pressure with no regulation (assumption).", POWERS, (0, 1)),
    Var("environmental power", "effective openness * (government support + university cooperation + effective technology introduction) / 3", "Dmnl",
        "The environmental power (section 3.1, external): policy, universities and technology reaching an open cluster.", POWERS),
    Var("environment effect", "1 + environment response * environmental power", "Dmnl",
        "External power acting on internal power: 'the constantly updated environment promotes internal dynamics' (3.1).", POWERS),
    Var("environment response", "1", "Dmnl", "Gain in innovation power per unit of environmental power (assumption).", POWERS, (0, 2)),
    Var("competition synergy", "competition effect - 1", "Dmnl", "Diagnostic of the competition synergy mechanism: the R&D gain from rivalry (3.2).", POWERS),
    Var("technology innovation synergy", "innovation effect / (1 + innovation half effect) * sharing fraction * absorptive capacity", "Dmnl",
        "Diagnostic of the technology-innovation synergy mechanism: creation, diffusion and absorption together (3.2).", POWERS),
    Var("environmental support synergy", "institutional negentropy / maximum negentropy rate", "Dmnl",
        "Diagnostic of the environmental-support synergy mechanism: order brought by government, universities and fair "
        "rules, relative to its most (section 3.2, 4).", POWERS),
    # ---------------------------------------------------------------- entropy
    Var("Entropy R", "INTEG(diS R + deS R, initial entropy)", "Dmnl",
        f"Disorder of the innovation-resources subsystem R (capital and talent): {INDEX}. Tracks how scarce and mismatched "
        f"capital and talent are. Section 2.2 dS = dS_R + dS_K + dS_U; the letters read as {RKU}. {RELAX}", ENTROPY),
    Var("Entropy K", "INTEG(diS K + deS K, initial entropy)", "Dmnl",
        f"Disorder of the knowledge subsystem K: {INDEX}. Tracks how fragmented and outdated the technology base is. "
        f"Section 2.2. {RELAX}", ENTROPY),
    Var("Entropy U", "INTEG(diS U + deS U, initial entropy)", "Dmnl",
        f"Disorder of the actor subsystem U: {INDEX}. Tracks how poorly firms, universities, government and intermediaries "
        f"coordinate. Section 2.2. {RELAX}", ENTROPY),
    Var("initial entropy", "0.8", "Dmnl", "Entropy of each subsystem at the start: near the dispersed equilibrium (assumption).", ENTROPY, (0, 1)),
    Var("entropy production rate", "0.1", "1/Year", "Base rate of internal entropy production (section 2.1: diS > 0 always; assumption).", ENTROPY, (0.02, 0.2)),
    Var("production easing", "0.5", "Dmnl", "Share of entropy production government guidance can ease at full support (assumption).", ENTROPY, (0, 0.8)),
    Var("diS R", "entropy production rate * (1 + crowding load) * (1 - production easing * government support) * (1 - Entropy R)", "1/Year",
        "Entropy produced inside the resources subsystem (2.1: irreversible, never negative): rises as the region crowds "
        "(loop B3), eased by government support.", ENTROPY),
    Var("crowding load", "1 - room", "Dmnl", "How crowded the region is (0 empty, towards 1 full).", ENTROPY),
    Var("diS K", "entropy production rate * (1 + obsolescence load * (1 - Technology Vitality)) * (1 - sharing easing * sharing fraction) * (1 - Entropy K)", "1/Year",
        "Entropy produced inside the knowledge subsystem: fragmentation, worse as the technology generation ages, eased by "
        "knowledge sharing.", ENTROPY),
    Var("obsolescence load", "1.5", "Dmnl", "Rise in knowledge entropy production with an exhausted technology (assumption).", ENTROPY, (0, 3)),
    Var("sharing easing", "0.5", "Dmnl", "Share of knowledge entropy production full sharing avoids (assumption).", ENTROPY, (0, 0.8)),
    Var("diS U", "entropy production rate * (1 + coordination load * (1 - internal cooperation)) * (1 + destructive competition) * (1 - production easing * government support) * (1 - Entropy U)", "1/Year",
        "Entropy produced among the actors: coordination gets harder as the cluster grows (B3) unless firms cooperate; "
        "destructive competition adds to it (B4).", ENTROPY),
    Var("coordination load", "Innovative Firms / (Innovative Firms + coordination scale)", "Dmnl", "Coordination burden of a larger cluster.", ENTROPY),
    Var("coordination scale", "1000", "firm", "Firms at which the coordination burden is half its most (assumption).", ENTROPY, (100, 5000)),
    Var("turbulence rate", "0.02", "1/Year", "Disorder a fully open cluster imports (market shocks, churn): the positive part of deS (assumption).", ENTROPY, (0, 0.1)),
    Var("imported turbulence R", "effective openness * turbulence rate * (1 - Entropy R)", "1/Year", "Disorder imported into the resources subsystem.", ENTROPY),
    Var("imported turbulence K", "effective openness * turbulence rate * (1 - Entropy K)", "1/Year", "Disorder imported into the knowledge subsystem.", ENTROPY),
    Var("imported turbulence U", "effective openness * turbulence rate * (1 - Entropy U)", "1/Year", "Disorder imported into the actor subsystem.", ENTROPY),
    Var("maximum negentropy rate", "0.6", "1/Year", "Most negentropy a subsystem can take in a year (assumption; bounds every exchange).", ENTROPY, (0.2, 1)),
    Var("negentropy half index", "0.05", "Dmnl", "Index at which a negentropy inflow is half its most (assumption).", ENTROPY, (0.01, 0.5)),
    Var("resource index", "ZIDZ(resource inflow, Innovative Firms * resource norm) * absorptive capacity", "1/Year",
        "Outside capital and talent per firm relative to the norm, as far as firms can put them to use.", ENTROPY),
    Var("resource negentropy", "maximum negentropy rate * resource index / (resource index + negentropy half index / resource norm time)", "1/Year",
        "Order carried into R by outside capital and talent (section 2.1 'absorb the negative entropy flow from the outside').", ENTROPY),
    Var("resource norm time", "1", "Year", "Unit conversion: a year of inflow at the norm (assumption: 1).", ENTROPY, (0.5, 2)),
    Var("knowledge negentropy", "maximum negentropy rate * absorption index / (absorption index + negentropy half index)", "1/Year",
        "Order carried into K by the outside knowledge the cluster absorbs: from the gap to the frontier, scaled by "
        "absorptive capacity (section 4).", ENTROPY),
    Var("institutional index", "effective openness * (base institutional support + government support + university cooperation + fair competition regulation) / 3 * agglomeration economies * absorptive capacity", "Dmnl",
        "Guidance, universities and fair rules reaching a formed cluster that can use them (section 4).", ENTROPY),
    Var("base institutional support", "0.2", "Dmnl", "Institutional support with no policy (assumption).", ENTROPY, (0, 1)),
    Var("institutional negentropy", "maximum negentropy rate * institutional index / (institutional index + negentropy half index)", "1/Year",
        "Order carried into U by institutions (section 4).", ENTROPY),
    Var("deS R", "imported turbulence R - resource negentropy * Entropy R", "1/Year",
        "Entropy exchanged with the outside by R (2.1: may be positive or negative); zero in a closed cluster.", ENTROPY),
    Var("deS K", "imported turbulence K - knowledge negentropy * Entropy K", "1/Year", "Entropy exchanged with the outside by K.", ENTROPY),
    Var("deS U", "imported turbulence U - institutional negentropy * Entropy U", "1/Year", "Entropy exchanged with the outside by U.", ENTROPY),
    Var("dS R", "diS R + deS R", "1/Year", "dS_R = diS_R + deS_R (section 2.2).", ENTROPY),
    Var("dS K", "diS K + deS K", "1/Year", "dS_K = diS_K + deS_K (section 2.2).", ENTROPY),
    Var("dS U", "diS U + deS U", "1/Year", "dS_U = diS_U + deS_U (section 2.2).", ENTROPY),
    Var("diS total", "diS R + diS K + diS U", "1/Year", "Entropy produced inside the whole cluster: never negative (section 2.1).", ENTROPY),
    Var("deS total", "deS R + deS K + deS U", "1/Year", "Entropy exchanged with the outside: negative when negentropy flows in (section 2.1).", ENTROPY),
    Var("dS total", "diS total + deS total", "1/Year",
        "Total entropy change dS = diS + deS (section 2.2): below -tolerance orderly (case 1), above +tolerance disorder, "
        "'stagnant or even backward' (case 2), between balanced (case 3).", ENTROPY),
    Var("entropy tolerance", "0.005", "1/Year", "Band around dS = 0 read as the balanced state (section 2.2 case 3; assumption).", ENTROPY, (0.001, 0.02)),
    Var("entropy regime", "IF THEN ELSE(dS total < -entropy tolerance, 1, IF THEN ELSE(dS total > entropy tolerance, -1, 0))", "Dmnl",
        "Section 2.2's three cases: 1 orderly, 0 balanced, -1 disorder.", ENTROPY),
    Var("Order Degree", "1 - (Entropy R + Entropy K + Entropy U) / 3", "Dmnl",
        "The order parameter (Haken): one minus mean entropy (2.1 'entropy is inversely proportional to the formation of "
        "systematic ordering structure').", ENTROPY),
    Var("order effect", "(order floor + Order Degree) / (order floor + reference order)", "Dmnl",
        "The order parameter slaves the parts (loop R6): an ordered cluster spawns, attracts and innovates more (3.2).", ENTROPY),
    Var("order floor", "0.25", "Dmnl", "Keeps a disordered cluster's order effect above zero (assumption).", ENTROPY, (0.1, 1)),
    Var("reference order", "0.5", "Dmnl", "Order Degree at which the order effect is 1 (assumption).", ENTROPY, (0.3, 0.7)),
    Var("order gain R", "initial entropy - Entropy R", "Dmnl", "Entropy removed from R since the start.", ENTROPY),
    Var("order gain K", "initial entropy - Entropy K", "Dmnl", "Entropy removed from K since the start.", ENTROPY),
    Var("order gain U", "initial entropy - Entropy U", "Dmnl", "Entropy removed from U since the start.", ENTROPY),
    Var("synergy degree", "IF THEN ELSE(MIN(order gain R, MIN(order gain K, order gain U)) > 0, 1, -1) * ABS(order gain R * order gain K * order gain U) ^ (1/3)", "Dmnl",
        "Composite-system synergy degree (Meng and Han): geometric mean of the three order gains, positive only when all "
        "three gained order together (3.2).", ENTROPY),
    # ---------------------------------------------------------------- policy
    Var("openness", "0.5", "Dmnl",
        "Policy lever. Openness to outside capital, talent, technology and firms: 'an open environment is a precondition "
        "for the evolution of the innovation cluster system' (section 4).", POLICY, (0, 1)),
    Var("openness step", "0", "Dmnl", "Change in openness at the openness step time (closing or opening a mature cluster).", POLICY, (-1, 1)),
    Var("openness step time", "60", "Year", "Time at which the openness step takes effect.", POLICY, (0, 300)),
    Var("effective openness", "MIN(1, MAX(0, openness + STEP(openness step, openness step time)))", "Dmnl", "Openness in force: the lever plus its step, within 0..1.", POLICY),
    Var("technology introduction", "0.3", "Dmnl", "Policy lever. Active introduction of advanced technology (section 4).", POLICY, (0, 1)),
    Var("technology introduction step", "0", "Dmnl", "Change in technology introduction at its step time (upgrading a mature cluster).", POLICY, (-1, 1)),
    Var("technology introduction step time", "60", "Year", "Time at which the technology introduction step takes effect.", POLICY, (0, 300)),
    Var("effective technology introduction", "MIN(1, MAX(0, technology introduction + STEP(technology introduction step, technology introduction step time)))", "Dmnl",
        "Technology introduction in force: the lever plus its step, within 0..1.", POLICY),
    Var("internal cooperation", "0.5", "Dmnl", "Policy lever. Cooperation among the cluster's firms (section 4 'increase cooperation within the cluster').", POLICY, (0, 1)),
    Var("government support", "0.3", "Dmnl", "Policy lever. Government guidance and funding (section 4 'give full play to their guiding role').", POLICY, (0, 1)),
    Var("fair competition regulation", "0.5", "Dmnl", "Policy lever. Rules that keep competition fair (section 4 'ensure fair competition').", POLICY, (0, 1)),
    Var("university cooperation", "0.3", "Dmnl", "Policy lever. Cooperation of universities and institutes with cluster firms (section 4).", POLICY, (0, 1)),
    Var("noise sd", "0.5", "Dmnl",
        "Standard deviation of each smoothed fluctuation before it is scaled to the count it perturbs: a flow of n "
        "expected events per correlation time fluctuates by about noise sd / sqrt(1 + n) of its value (assumption).",
        POLICY, (0, 1)),
    Var("firm event", "1", "firm", "One firm founded or attracted: the unit event of the firm counts whose fluctuations "
        "shrink as one over the square root of their number (definition).", POLICY, (1, 1)),
    Var("patent event", "1", "patent", "One patent: the unit event of the knowledge count whose fluctuation shrinks as one "
        "over the square root of its number (definition).", POLICY, (1, 1)),
    Var("noise correlation time", "1", "Year", "Correlation time of the fluctuations (assumption: a business year).", POLICY, (0.25, 5)),
    Var("noise scale", "SQRT((2 - TIME STEP / noise correlation time) / (TIME STEP / noise correlation time)) * noise sd", "Dmnl",
        "Scales white noise so each smoothed fluctuation has standard deviation noise sd whatever the TIME STEP.", POLICY),
]


def _noise(flow: str, stock: str, noise: str, input_name: str, expected: str, event: str) -> list[Var]:
    change = f"{stock.lower()} change"
    variance = f"{stock} Variance"
    variance_change = f"{variance.lower()} change"
    scale = f"(1 + {expected} * noise correlation time / {event})"
    return [
        Var(input_name, "0", "Dmnl",
            f"Exogenous white noise for {flow}: one standard normal draw per TIME STEP, supplied seeded from Python (0 in "
            "a deterministic run; no RANDOM function, so every engine runs it).", POLICY),
        Var(stock, f"INTEG({change}, 0)", "Dmnl",
            f"The micro fluctuation of {flow} (section 2, 4): white noise smoothed over the correlation time.", POLICY),
        Var(change, f"({input_name} * noise scale - {stock}) / noise correlation time", "1/Year",
            f"Exponential smoothing of the white noise for {flow} into a fluctuation with correlation time "
            "noise correlation time (a named flow, so every engine and the XMILE twin read it the same way).", POLICY),
        Var(variance, f"INTEG({variance_change}, 0)", "Dmnl",
            f"Variance of {stock} accumulated from the white noise it has received: with a = TIME STEP / noise "
            f"correlation time and s the noise scale, the Euler step of {stock} is F' = (1 - a) F + a s w, so "
            "Var F' = (1 - a)^2 Var F + a^2 s^2 E[w^2]; this stock is that recursion with w^2 in place of E[w^2]. "
            "Its expectation is the fluctuation's variance at every step (rising from 0 to noise sd^2 over a few "
            "correlation times), and it is exactly 0 without noise input, so the multiplier that subtracts half of "
            "it is exactly 1 in a deterministic run (spec: mean-preserving exp(x - sigma^2 / 2)).", POLICY),
        Var(variance_change,
            f"(TIME STEP * ({input_name} * noise scale) ^ 2 / noise correlation time - (2 - TIME STEP / noise correlation time) * {variance}) / noise correlation time",
            "1/Year",
            f"The variance recursion of {variance} written as a flow: ((1 - a)^2 - 1) Var / TIME STEP + a^2 s^2 w^2 / "
            "TIME STEP, with a = TIME STEP / noise correlation time.", POLICY),
        Var(noise, f"EXP({stock} / SQRT{scale} - {variance} / (2 * {scale}))", "Dmnl",
            f"Multiplicative fluctuation of {flow}, the spec's mean-preserving exp(x - sigma^2 / 2) with x = F / sqrt(1 + n), "
            f"n the {expected} in a correlation time, and sigma^2 = {variance} / (1 + n) the variance of x. Relative "
            "chance in a count of n independent events shrinks as 1 / sqrt(n) (Poisson), so fluctuations matter in a "
            "small, dispersed cluster and average out in a large one: micro fluctuations that feedback must amplify "
            "to reach the macro level (section 2; spec item 4). Mean 1: F is a weighted sum of normal draws c_j w_j "
            "and the variance stock the same sum of c_j^2 w_j^2, so the mean is a product of E[exp(c w - c^2 w^2 / 2)] "
            "= 1 + O(c^4): the mean is about 1 - a noise sd^4 / 4 (a = TIME STEP / noise correlation time), within "
            "1e-3 of 1 at the defaults and about 1 % at noise sd 1. The bounded 1 + tanh(y) used before was exactly "
            "mean-preserving but capped a flow at twice its value, which cut the rare large fluctuations that decide "
            "a take-off: its band of noise-decided openness was 0.048 wide (spec item 3: at least 0.05), this form's "
            "0.056. Exactly 1 without noise input, so a deterministic run is the noise-free cluster whatever noise "
            "sd; always positive.", POLICY),
    ]


VARIABLES += [
    *_noise("spinoffs", "Spinoff Fluctuation", "spinoff noise", "white noise spinoffs", "expected spinoffs", "firm event"),
    *_noise("entry", "Entry Fluctuation", "entry noise", "white noise entry", "expected entry", "firm event"),
    *_noise("knowledge creation", "Knowledge Fluctuation", "knowledge noise", "white noise knowledge",
            "expected knowledge creation", "patent event"),
]

CONTROL = [
    Var("FINAL TIME", "150", "Year", "The final time for the simulation.", "Control"),
    Var("INITIAL TIME", "0", "Year", "The initial time for the simulation.", "Control"),
    Var("SAVEPER", "0.5", "Year", "The frequency with which output is stored.", "Control"),
    Var("TIME STEP", "0.03125", "Year", "The time step for the simulation (1/32 year, Euler: during take-off firms grow up to 24 %/yr, and Euler's relative error grows as g^2 dt t / 2; at 1/32 halving the step moves firms by less than 1 %).", "Control"),
]
