# Golden values of the report's quality statistics, computed with R (lavaan, psych,
# GPArotation, semTools) on the fixed synthetic data set of this directory.
#
#   Rscript tests/reference/golden.R        (or: make golden)
#
# Reads  golden_synthetic.csv (respondents; written by make_data.py) and structure.csv
#        (item -> category -> dimension), and lavaan's HolzingerSwineford1939.
# Writes golden_r.json (all values, with R and package versions) and
#        holzinger_swineford_1939.csv (lavaan's copy of the data, for the Python side).
#
# Which rows enter each analysis is defined exactly as the report's quality chapter
# (dimios/chapters/quality/) does with its default parameters:
#   * all respondent rows of the file (the default build does not exclude careless
#     respondents; "vet ej" is a missing value);
#   * KMO, Bartlett, parallel analysis, EFA and the three CFA models: complete cases on
#     all 26 items (listwise deletion);
#   * alpha (Feldt CI), alpha if deleted: complete cases on the items of the group
#     (instrument, dimension, category);
#   * omega and AVE: from the standardized loadings of CFA model (a) for the dimensions
#     and (b) for the categories;
#   * invariance over years: complete cases on all 26 items, years with at least 50 of
#     them (MIN_GROUP_COMPLETE), model (b), group = year;
#   * known groups: respondent dimension score = mean of the answered items in percent,
#     (answer - 1) / 6 * 100, when at least half of the dimension's items are answered;
#     involved vs not involved;
#   * knowledge: share of missing answers per item, year and involvement (all rows).

suppressPackageStartupMessages({
  library(lavaan)
  library(psych)
  library(GPArotation)
  library(semTools)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
here <- if (length(script)) dirname(normalizePath(script)) else getwd()
path <- function(f) file.path(here, f)

MIN_GROUP_COMPLETE <- 50
PARALLEL_ITER <- 100
PARALLEL_SEED <- 20240601
options(mc.cores = 1)  # psych::fa.parallel uses parallel::mclapply; serial keeps set.seed reproducible
SCALE_MIN <- 1
SCALE_MAX <- 7

raw <- read.csv(path("golden_synthetic.csv"), fileEncoding = "UTF-8", stringsAsFactors = FALSE)
st <- read.csv(path("structure.csv"), stringsAsFactors = FALSE)
inv_text <- tolower(trimws(as.character(raw$involved)))  # the data contract writes true/false
raw$involved <- ifelse(inv_text %in% c("true", "1"), TRUE, ifelse(inv_text %in% c("false", "0"), FALSE, NA))
items <- st$item
cats <- unique(st$category)
dims <- unique(st$dimension)
cat_items <- lapply(setNames(cats, cats), function(c) st$item[st$category == c])
dim_items <- lapply(setNames(dims, dims), function(d) st$item[st$dimension == d])
dim_cats <- lapply(setNames(dims, dims), function(d) unique(st$category[st$dimension == d]))

X <- raw[, items]
complete <- stats::complete.cases(X)
Xc <- X[complete, ]
n_c <- nrow(Xc)

named <- function(v, nm) as.list(setNames(as.numeric(v), nm))

# ------------------------------------------------------------------ KMO and Bartlett
k <- psych::KMO(Xc)
kmo <- list(n = n_c, overall = unname(k$MSA), items = named(k$MSAi, items))
b <- psych::cortest.bartlett(cor(Xc), n = n_c)
bartlett <- list(n = n_c, chi2 = unname(b$chisq), df = unname(b$df), pvalue = unname(b$p.value))

# ------------------------------------------------------------------ parallel analysis
# psych::fa.parallel on the correlation matrix with n.obs: random data are simulated
# normal data only (no resampling), as dimios; SMC = TRUE: FA eigenvalues of the
# correlation matrix with squared multiple correlations on the diagonal, as dimios.
set.seed(PARALLEL_SEED)
pa <- psych::fa.parallel(cor(Xc), n.obs = n_c, fm = "minres", fa = "both", n.iter = PARALLEL_ITER,
                         SMC = TRUE, quant = 0.95, plot = FALSE)
p <- length(items)
q95 <- apply(pa$values, 2, function(v) quantile(v, 0.95))
sds <- apply(pa$values, 2, sd)
parallel <- list(
  n = n_c, n_iter = PARALLEL_ITER, quantile = 0.95,
  n_factors = pa$nfact, n_components = pa$ncomp,
  observed_pca = pa$pc.values, observed_fa = pa$fa.values,
  random_pca = unname(q95[1:p]), random_fa = unname(q95[(p + 1):(2 * p)]),
  random_pca_sd = unname(sds[1:p]), random_fa_sd = unname(sds[(p + 1):(2 * p)])
)

# ------------------------------------------------------------------ EFA
f <- psych::fa(Xc, nfactors = 6, rotate = "oblimin", fm = "minres")
L <- unclass(f$loadings)
efa <- list(
  n = n_c, nfactors = 6, rotate = "oblimin", fm = "minres",
  factors = colnames(L),
  loadings = lapply(setNames(items, items), function(i) unname(L[i, ])),
  phi = unname(f$Phi),
  h2 = named(f$communality[items], items)
)

# ------------------------------------------------------------------ CFA (three models)
syntax_first <- function(fi) paste(sprintf("%s =~ %s", names(fi), sapply(fi, paste, collapse = " + ")), collapse = "\n")
models <- list(
  a_dimensions = syntax_first(dim_items),
  b_categories = syntax_first(cat_items),
  c_second_order = paste(syntax_first(cat_items), syntax_first(dim_cats), sep = "\n")
)
FIT <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr")
fit_list <- function(fit) {
  fm <- lavaan::fitMeasures(fit, FIT)
  out <- as.list(setNames(as.numeric(fm), names(fm)))
  out$n <- lavaan::lavInspect(fit, "ntotal")
  out$converged <- lavaan::lavInspect(fit, "converged")
  out
}
cfa_fits <- list()
cfa_out <- list()
for (m in names(models)) {
  fit <- lavaan::cfa(models[[m]], data = Xc, estimator = "ML")
  cfa_fits[[m]] <- fit
  ss <- lavaan::standardizedSolution(fit)
  ss <- ss[ss$op == "=~", ]
  cfa_out[[m]] <- list(
    syntax = models[[m]],
    fit = fit_list(fit),
    loadings = lapply(seq_len(nrow(ss)), function(r) list(factor = ss$lhs[r], indicator = ss$rhs[r],
                                                          std_loading = ss$est.std[r]))
  )
}

# ------------------------------------------------------------------ reliability
alpha_of <- function(cols) {
  d <- X[stats::complete.cases(X[, cols]), cols]
  a <- psych::alpha(d, warnings = FALSE, check.keys = FALSE)
  list(a = a, n = nrow(d))
}
omega_ave <- function(lam) {
  s <- sum(lam)^2
  list(omega = s / (s + sum(1 - lam^2)), ave = mean(lam^2))
}
std_of <- function(model, factor) {
  ss <- lavaan::standardizedSolution(cfa_fits[[model]])
  ss$est.std[ss$op == "=~" & ss$lhs == factor]
}
# semTools (obs.var = FALSE: model-implied total variance) as a second opinion on omega
cr_a <- semTools::compRelSEM(cfa_fits$a_dimensions, obs.var = FALSE)
cr_b <- semTools::compRelSEM(cfa_fits$b_categories, obs.var = FALSE)
groups <- c(list(instrument = items), dim_items, cat_items)
levels <- c(instrument = "instrument", setNames(rep("dimension", length(dims)), dims),
            setNames(rep("category", length(cats)), cats))
reliability <- list()
for (g in names(groups)) {
  r <- alpha_of(groups[[g]])
  row <- list(group = g, level = unname(levels[g]), k = length(groups[[g]]), n = r$n,
              alpha = r$a$total$raw_alpha,
              ci_low = r$a$feldt$lower.ci$raw_alpha, ci_high = r$a$feldt$upper.ci$raw_alpha)
  if (g %in% dims) {
    row <- c(row, omega_ave(std_of("a_dimensions", g)), list(semtools_omega = unname(cr_a[g])))
  } else if (g %in% cats) {
    row <- c(row, omega_ave(std_of("b_categories", g)), list(semtools_omega = unname(cr_b[g])))
  }
  reliability[[length(reliability) + 1]] <- row
}
drop_table <- function(cols) {
  r <- alpha_of(cols)
  lapply(setNames(cols, cols), function(i) list(alpha_if_deleted = r$a$alpha.drop[i, "raw_alpha"],
                                                item_rest_r = r$a$item.stats[i, "r.drop"]))
}
alpha_if_deleted <- list(instrument = drop_table(items),
                         dimension = do.call(c, unname(lapply(dim_items, drop_table))))

# ------------------------------------------------------------------ invariance over years
yc <- table(raw$year[complete])
years_used <- as.integer(names(yc)[yc >= MIN_GROUP_COMPLETE])
D <- raw[complete & raw$year %in% years_used, c("year", items)]
D$year <- factor(D$year, levels = sort(years_used))
inv_fit <- list(
  configural = lavaan::cfa(models$b_categories, data = D, group = "year"),
  metric = lavaan::cfa(models$b_categories, data = D, group = "year", group.equal = "loadings"),
  scalar = lavaan::cfa(models$b_categories, data = D, group = "year", group.equal = c("loadings", "intercepts"))
)
inv_steps <- lapply(inv_fit, function(fit) {
  out <- fit_list(fit)
  out$chi2_by_group <- named(fit@test$standard$stat.group, lavaan::lavInspect(fit, "group.label"))
  out
})
lrt <- lavaan::lavTestLRT(inv_fit$configural, inv_fit$metric, inv_fit$scalar)
invariance <- list(
  years = years_used,
  n = named(as.integer(table(D$year)), levels(D$year)),
  steps = inv_steps,
  delta_chi2 = unname(lrt[["Chisq diff"]][-1]),
  delta_df = unname(lrt[["Df diff"]][-1]),
  delta_pvalue = unname(lrt[["Pr(>Chisq)"]][-1])
)

# ------------------------------------------------------------------ known groups
known_groups <- list()
for (d in dims) {
  v <- as.matrix(raw[, dim_items[[d]]])
  answered <- rowSums(!is.na(v))
  score <- (rowMeans(v, na.rm = TRUE) - SCALE_MIN) / (SCALE_MAX - SCALE_MIN) * 100
  score[answered < 0.5 * ncol(v)] <- NA
  x <- score[raw$involved %in% TRUE & !is.na(score)]
  y <- score[raw$involved %in% FALSE & !is.na(score)]
  t <- stats::t.test(x, y, var.equal = FALSE)
  w <- stats::wilcox.test(x, y, exact = FALSE, correct = TRUE)
  nx <- length(x); ny <- length(y)
  sp <- sqrt(((nx - 1) * var(x) + (ny - 1) * var(y)) / (nx + ny - 2))
  known_groups[[d]] <- list(
    n_true = nx, n_false = ny, mean_true = mean(x), mean_false = mean(y), sd_true = sd(x), sd_false = sd(y),
    # Cohen's d with the pooled SD (n - 1 weights), written out: dimios's Hedges g is d times
    # Hedges' correction, so the test divides it back out
    difference = mean(x) - mean(y), cohen_d = (mean(x) - mean(y)) / sp,
    t_welch = unname(t$statistic), df_welch = unname(t$parameter), p_welch = t$p.value,
    u = unname(w$statistic), p_mwu = w$p.value
  )
}

# ------------------------------------------------------------------ knowledge level
knowledge <- list()
for (y in sort(unique(raw$year))) for (inv in c(TRUE, FALSE)) {
  sel <- raw$year == y & raw$involved %in% inv
  knowledge[[length(knowledge) + 1]] <- list(year = y, involved = inv, n = sum(sel),
                                             n_missing = named(colSums(is.na(X[sel, ])), items))
}
complete_share <- lapply(sort(unique(raw$year)), function(y) {
  sel <- raw$year == y
  list(year = y, n = sum(sel), n_complete = sum(complete & sel))
})

# ------------------------------------------------------------------ Holzinger & Swineford (1939)
HS <- lavaan::HolzingerSwineford1939
write.csv(HS, path("holzinger_swineford_1939.csv"), row.names = FALSE, fileEncoding = "UTF-8")
HS.model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
hs_single <- lavaan::cfa(HS.model, data = HS)
hs_ss <- lavaan::standardizedSolution(hs_single)
hs_ss <- hs_ss[hs_ss$op == "=~", ]
hs_fit <- list(
  configural = lavaan::cfa(HS.model, data = HS, group = "school"),
  metric = lavaan::cfa(HS.model, data = HS, group = "school", group.equal = "loadings"),
  scalar = lavaan::cfa(HS.model, data = HS, group = "school", group.equal = c("loadings", "intercepts"))
)
hs <- list(
  cfa = list(fit = fit_list(hs_single), loadings = named(hs_ss$est.std, hs_ss$rhs)),
  invariance = lapply(hs_fit, function(fit) {
    out <- fit_list(fit)
    out$chi2_by_group <- named(fit@test$standard$stat.group, lavaan::lavInspect(fit, "group.label"))
    out
  })
)

# ------------------------------------------------------------------ write
versions <- sapply(c("lavaan", "psych", "GPArotation", "semTools", "jsonlite"),
                   function(p) as.character(utils::packageVersion(p)), simplify = FALSE)
out <- list(
  meta = list(
    script = "tests/reference/golden.R",
    r_version = R.version.string,
    packages = versions,
    data = "golden_synthetic.csv",
    data_md5 = unname(tools::md5sum(path("golden_synthetic.csv"))),
    n_rows = nrow(raw),
    n_complete = n_c,
    items = items
  ),
  kmo = kmo, bartlett = bartlett, parallel = parallel, efa = efa, cfa = cfa_out,
  reliability = reliability, alpha_if_deleted = alpha_if_deleted, invariance = invariance,
  known_groups = known_groups, knowledge = knowledge, complete_share = complete_share,
  holzinger_swineford = hs
)
writeLines(jsonlite::toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE), path("golden_r.json"))
cat("wrote", path("golden_r.json"), "\n")
