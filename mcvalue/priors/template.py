"""The text ``mcvalue priors new`` writes: a prior file extending the default, every override commented out.

Each commented prior table is the default's own (its ``label`` and ``source`` too), so
uncommenting one changes nothing until a value is edited. The list of distributions and
their keys is read from the registry, so a new family appears in it.
"""

from mcvalue.priors.families.registry import DIST_MODELS

_TEXT = '''\
# My mcvalue priors. Check with `mcvalue priors check THIS_FILE`, see the resulting
# percentiles with `mcvalue priors show THIS_FILE`, use with `mcvalue run --priors THIS_FILE`.
#
# This file extends the shipped defaults: anything not written here is taken from
# priors/default.toml (`mcvalue priors show` prints them, with sources). To change an
# assumption, uncomment its table and edit it; a table replaces the default's whole.
# Each table below is the default's as shipped (label and source included): uncommented
# unchanged it is the default; edit the numbers, and the source to say where yours come from.
#
#   cost    = salary x FTE(method) x coverage x fraction(method)            ([cost] basis = "flow")
#   cost    = salary x (r + d) x stock(method) x coverage x fraction(method)  (basis = "stock")
#   benefit = one of three benefit methods, drawn per draw by [benefit.method_weights]:
#     chain      = ai_value x haircut x attribution_share x mloss_share        (the paper's)
#     market     = ai_market x value_per_spend x attribution_share x mloss_share
#     time_saved = developers x mloss_user_share x time_saved_share x practitioner_wage
#   BCR     = benefit / cost
#
# Distributions (`dist`) and their keys; interval keys always say what they are:
{families}# ci90 = [a, b] means a 5% chance below a and 5% above b (ci95: 2.5% each side).
# quantiles = {"0.05" = a, "0.5" = b, "0.95" = c} (three or more) is fitted; a fit that
# misses any point by more than 2 percentile points is refused (priors show gives the misfit).
# Any continuous family takes lower / upper truncation bounds (the interval is read
# before truncation). Add source = "..." to say where a number comes from, and
# label = "..." (at most 40 characters) for the name figures and tables show.
# Limits: money > 0; shares and fractions in [0, 1]; coverage >= 1.

extends = "default"

# ----------------------------------------------------------------------------- cost side

# The year whose development activity the cost model's FTE describes (default 2021), or
# "average" for the paper's long-run average over the sampled windows (2009-2022).
# The cost basis: "flow" (this year's development cost, the default) or "stock" (the
# annual user cost, (discount + depreciation) x stock, of the MLOSS built since
# stock_start; needs the pymc cost model and a target year). The population is the
# repository list coverage scales up to all MLOSS (a sample from another list needs its
# own, and its coverage); references: "sample", "paper" or a collected sample's directory.
# trend_structure: how the pymc cost model's time trends reach the target year: "repo
# trends" (the default), "global trend", "pooled slopes" or "no extrapolation" (each
# repo's trend stopped at its own sampled span); compared in docs/calibrate.md.
# [cost]
# target_year = 2021
# basis = "flow"
# stock_start = 2016
# population = "paper-139"
# population_size = 139
# references = "sample"
# trend_structure = "repo trends"

# Fully loaded cost of one FTE engineer-year, USD/year (paper: $300K, an upper bound).
# [cost.salary_usd]
# dist = "lognormal"
# label = "Salary per FTE-year (loaded)"
# ci90 = [150_000, 400_000]
# source = "levels.fyi Google L4/Meta E4 2022 (paper 3.1.2) as upper end; scc COCOMO default ~$135K as lower"

# FTE fraction of one contributor active in a two-week period (contributors method), [0, 1]
# (paper: 1).
# [cost.fte_fraction_contributor]
# dist = "beta"
# label = "FTE fraction per contributor"
# ci90 = [0.15, 0.85]
# source = "judgement; paper 3.1.2 assumes 1 (upper bound)"

# FTE fraction of one reference-repo contributor-period (commits/lines methods), [0, 1]
# (paper: 1).
# [cost.fte_fraction_reference]
# dist = "beta"
# label = "FTE fraction, reference repo"
# ci90 = [0.35, 0.95]
# source = "judgement; paper 3.1.2 assumes 1"

# Cost of the whole MLOSS universe / cost of the sampled repos, >= 1 (paper: 1).
# [cost.coverage]
# dist = "lognormal"
# label = "Coverage (MLOSS / sample)"
# ci90 = [1.2, 5]
# lower = 1
# source = "judgement; paper 3.1.3 (list may miss significant projects) and 3.2.2 (benefit covers all MLOSS)"

# Depreciation rate of the MLOSS stock per year, [0, 1] (drawn only when basis = "stock";
# national accounts: ~0.33 for software).
# [cost.depreciation_rate]
# dist = "beta"
# label = "Depreciation rate of MLOSS"
# ci90 = [0.2, 0.5]
# source = "BEA fixed assets: own-account and custom software ~33%/yr (prepackaged ~55%); width: judgement"

# Real discount rate per year, [0, 1] (drawn only when basis = "stock").
# [cost.discount_rate]
# dist = "beta"
# label = "Real discount rate"
# ci90 = [0.02, 0.08]
# source = "OMB Circular A-4 (2003: 3% and 7% real; 2023 revision: 2%); width: judgement"

# Activity per six months at which a developer counts as full-time (activity_threshold
# method; Robles et al. 2014/2022: 12-75 commits, git2effort's default 75).
# [cost.activity_threshold]
# dist = "lognormal"
# label = "Activity threshold per six months"
# ci90 = [12, 75]
# source = "Robles et al. MSR 2014 (OpenStack); Robles et al. Empirical Software Engineering 2022 (six projects); git2effort default 75"

# Weights of the costing methods (the five Table 1 keys, and activity_threshold, which may
# be left out for 0; summing to 1).
# [cost.method_weights]
# commits_pytorch = 0.15
# contributors_pytorch = 0.2
# lines_tensorflow = 0.1
# lines_pytorch = 0.1
# commits_tensorflow = 0.15
# activity_threshold = 0.3

# -------------------------------------------------------------------------- benefit side

# Value of AI to the world economy per year, USD/year (paper: $3T; McKinsey 2018: $3.5T-$5.8T potential).
# [benefit.ai_value_usd]
# dist = "lognormal"
# label = "AI value per year"
# ci90 = [3e12, 5.8e12]
# source = "McKinsey Global Institute 2018 ($3.5T-$5.8T/yr potential); PwC 2017/18; paper 3.2.1"

# Fraction of that figure actually realised, [0, 1] (paper: 0.1).
# [benefit.haircut]
# dist = "lognormal"
# label = "Haircut for optimistic sources"
# ci90 = [0.03, 0.3]
# upper = 1
# source = "paper 3.2.1 (factor 10 reduction); width: judgement"

# Algorithms' share of AI value, [0, 1] (paper: 0.1, BCG's 70-20-10 rule).
# [benefit.attribution_share]
# dist = "beta"
# label = "Algorithms' share of AI value"
# ci90 = [0.05, 0.2]
# source = "BCG 2020 70-20-10 rule (paper 3.2.2); width: judgement"

# MLOSS share of the algorithms slice, [0, 1] (paper: 1).
# [benefit.mloss_share]
# dist = "beta"
# label = "MLOSS share of algorithms"
# ci90 = [0.2, 0.8]
# source = "judgement; paper 3.2.2 assumes 1"

# What the world spent on AI in 2021, USD/year (market method; IDC: $383.3B).
# [benefit.ai_market_usd]
# dist = "lognormal"
# label = "AI market 2021 (IDC)"
# ci90 = [3.4e11, 3.9e11]
# source = "IDC Worldwide Semiannual AI Tracker: $383.3B in 2021 (2022 release); $341.8B forecast for 2021 (Aug 2021)"

# Value to buyers per dollar spent on AI, >= 1 (market method).
# [benefit.value_per_spend]
# dist = "lognormal"
# label = "AI value per dollar spent"
# ci90 = [1.2, 5]
# lower = 1
# source = "judgement: spending is a lower bound on buyers' value (ratio >= 1); no source measures the ratio"

# Active software developers in the world in 2021 (time_saved method).
# [benefit.developers]
# dist = "lognormal"
# label = "Software developers 2021"
# ci90 = [24e6, 27e6]
# source = "SlashData State of the Developer Nation 20th ed. Q1 2021 (24.3M) and 21st ed. Q3 2021 (26.8M)"

# Share of developers who use ML open source frameworks, [0, 1] (time_saved method).
# [benefit.mloss_user_share]
# dist = "beta"
# label = "Share of developers using MLOSS"
# ci90 = [0.08, 0.25]
# source = "Stack Overflow Developer Survey 2022 (TensorFlow 11.49%, PyTorch 7.61%, Keras 6.47% of professionals); width: judgement"

# Share of a user's working year that ML open source saves, [0, 1] (time_saved method).
# [benefit.time_saved_share]
# dist = "beta"
# label = "Working time MLOSS saves its users"
# ci90 = [0.05, 0.4]
# source = "judgement; context: Hoffmann, Nagle & Zhou 2024 (HBS 24-038): firms would spend 3.5x more on software without OSS"

# Fully loaded yearly cost of a developer, world average, USD/year (time_saved method).
# [benefit.practitioner_wage_usd]
# dist = "lognormal"
# label = "Developer cost per year (world)"
# ci90 = [30_000, 150_000]
# source = "BLS OEWS May 2022 (computer and mathematical mean $108,130; software developers $132,930) as upper end; world mix: judgement"

# Weights of the benefit methods (chain, market, time_saved; summing to 1).
# [benefit.method_weights]
# chain = 0.4
# market = 0.3
# time_saved = 0.3

# ----------------------------------------------------------------------------- scenario

# Which sample: mode = "paper" | "corrected" | "clean"; options exclude_bots,
# merge_duplicate_repos, drop_overlapping_windows, correct_top100 (true/false),
# and the list extra_bots = ["login"].
# [data]
# mode = "clean"

# Monte Carlo settings (command-line flags override them).
# [run]
# draws = 200_000
# seed = 20220218
# cost_model = "pymc"        # or "bootstrap", "table1"

# Rank (Spearman) correlations between quantities, -1 < rho < 1; repeat the block for
# more pairs. The default correlates no pair (every quantity is drawn independently), so
# each entry here adds one; `mcvalue priors check` counts them.
# [[correlations]]
# between = ["cost.salary_usd", "cost.fte_fraction_contributor"]
# rho = -0.3
'''

#: The file ``mcvalue priors new`` writes.
TEMPLATE = _TEXT.replace("{families}", "".join(f"#   {name:<11} {spec.SYNOPSIS}\n" for name, spec in DIST_MODELS.items()))
