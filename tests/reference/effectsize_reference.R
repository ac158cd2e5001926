# Effect-size references (effectsize package).
#
# Run from the repository root:  Rscript tests/reference/effectsize_reference.R
# Reads  tests/reference/data/paired_*.csv (subject,pre,post) and twosample_*.csv (group,y)
# Writes tests/reference/effectsize_f_reference.csv   partial eta2 / omega2 / epsilon2 from F
#        tests/reference/effectsize_d_reference.csv   t_to_d, cohens_d, hedges_g, paired d's
#
# effectsize_f_reference.csv, one row per (measure, F, df1, df2, ci, alternative):
#   effectsize::F_to_eta2(f, df, df_error, ci = ci, alternative = alternative)   (also
#   F_to_omega2, F_to_epsilon2), columns estimate, ci_low, ci_high (as effectsize prints them)
#   and ci_low_exact, ci_high_exact (same interval, root found exactly: see below). Settings:
#   ci = 0.90 two.sided; ci = 0.90 greater; ci = 0.95 greater (the package default).
#   With alternative = "greater" the upper bound is fixed at 1 and the lower bound equals the
#   lower bound of the two-sided interval at level 2 * ci - 1.
#
# effectsize_d_reference.csv, one row per call; `call` holds the R call; ci_*_exact as above
# (ncp-t inversion; equal to ci_* for the closed-form normal CIs). The paired variants
# d_rm, d_av, d_z, d_b (repeated_measures_d, effectsize >= 0.8.7) are not in Debian's
# effectsize 0.8.3, so they are computed here by the formulas of effectsize 1.0.3's
# .paired_d (x = post, y = pre, normal CI d +/- z * se, `adjust` multiplies d and its CI by
# J = exp(lgamma(df/2) - log(sqrt(df/2)) - lgamma((df-1)/2)), df = n - 1); their rows have
# source = "formula". Where repeated_measures_d exists the script checks the formulas against it.

suppressPackageStartupMessages(library(effectsize))

data_dir <- file.path("tests", "reference", "data")
stopifnot(dir.exists(data_dir)) # run from the repository root
num <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))
source_tag <- paste0("effectsize ", packageVersion("effectsize"))

# Exact noncentrality bounds (Steiger 2004): effectsize 0.8.3 finds them with optim()
# (Nelder-Mead on |p - target|), which can stop far from the root (e.g. F = 0.057 on (1, 5));
# later effectsize versions changed that search (effectsize PR #629). The *_exact columns solve
# the same equations with uniroot() to 1e-14, for the same estimand and the same conventions.
root <- function(h, lo, hi) {
  while (h(lo) * h(hi) > 0) {
    lo <- lo - (hi - lo)
    hi <- hi + (hi - lo)
  }
  uniroot(h, c(lo, hi), tol = 1e-14, maxiter = 10000)$root
}
# F: ncp bounds (0 where the equation has no positive root), as .get_ncp_F defines the interval
exact_ncp_F <- function(f, df1, df2, level) {
  probs <- c((1 - level) / 2, 1 - (1 - level) / 2)
  solve <- function(target) {
    h <- function(x) pf(f, df1, df2, ncp = x) - target
    if (h(0) <= 0) {
      return(0)
    }
    hi <- max(10, 2 * f * df1)
    while (h(hi) > 0) hi <- 2 * hi
    uniroot(h, c(0, hi), tol = 1e-14, maxiter = 10000)$root
  }
  c(solve(probs[2]), solve(probs[1]))
}
# t: ncp bounds, pt(t, df, ncp) = 1 - a/2 and a/2
exact_ncp_t <- function(t, df, level) {
  probs <- c((1 - level) / 2, 1 - (1 - level) / 2)
  sapply(c(probs[2], probs[1]), function(target) {
    # pt() with a large ncp warns "full precision may not have been achieved" while the
    # bracket is widened; the roots agree with scipy.stats.nct to ~1e-10
    suppressWarnings(root(function(x) pt(t, df, ncp = x) - target, t - 10, t + 10))
  })
}
level_of <- function(ci, alternative) if (alternative == "two.sided") ci else 2 * ci - 1

# ---- F to partial eta2 / omega2 / epsilon2 ------------------------------------------------
f_values <- c(0.057, 0.5, 1, 4, 10, 16.07, 100)
dfs <- list(c(2, 4), c(1, 20), c(2, 27), c(3, 60), c(1, 5))
settings <- list(
  list(ci = 0.90, alternative = "two.sided"),
  list(ci = 0.90, alternative = "greater"),
  list(ci = 0.95, alternative = "greater")
)
measures <- list(eta2_partial = F_to_eta2, omega2_partial = F_to_omega2, epsilon2_partial = F_to_epsilon2)
f_rows <- list()
for (m in names(measures)) {
  for (df in dfs) {
    for (f in f_values) {
      for (s in settings) {
        r <- as.data.frame(measures[[m]](f, df[1], df[2], ci = s$ci, alternative = s$alternative))
        # as .F_to_pve: a pseudo-F from the estimate, its ncp bounds, then ncp / (ncp + df2)
        est <- r[[1]]
        f_pseudo <- max(0, (est / df[1]) / ((1 - est) / df[2]))
        ncp <- exact_ncp_F(f_pseudo, df[1], df[2], level_of(s$ci, s$alternative))
        exact <- ncp / (ncp + df[2])
        if (s$alternative == "greater") exact[2] <- 1
        f_rows[[length(f_rows) + 1]] <- data.frame(
          measure = m, F = as.character(f), df1 = df[1], df2 = df[2], ci = as.character(s$ci),
          alternative = s$alternative, estimate = num(est),
          ci_low = num(r$CI_low), ci_high = num(r$CI_high),
          ci_low_exact = num(exact[1]), ci_high_exact = num(exact[2])
        )
      }
    }
  }
}
f_out <- do.call(rbind, f_rows)
write.csv(f_out, file.path("tests", "reference", "effectsize_f_reference.csv"), row.names = FALSE, quote = FALSE)

# ---- d family -----------------------------------------------------------------------------
d_rows <- list()
# exact = c(t, df, scale): the ncp-t interval bounds times scale (NULL: the CI is closed-form)
add <- function(dataset, call, measure, res, source = source_tag, exact = NULL) {
  res <- as.data.frame(res)
  lims <- c(res$CI_low, res$CI_high)
  if (!is.null(exact)) lims <- exact_ncp_t(exact[1], exact[2], res$CI) * exact[3]
  d_rows[[length(d_rows) + 1]] <<- data.frame(
    dataset = dataset, call = call, measure = measure, estimate = num(res[[1]]),
    ci = as.character(res$CI), ci_low = num(res$CI_low), ci_high = num(res$CI_high),
    ci_low_exact = num(lims[1]), ci_high_exact = num(lims[2]), source = source
  )
}

# t_to_d: paired d = t / sqrt(df_error); independent d = 2 t / sqrt(df_error)
for (t in c(-3, 0.5, 2.5, 8)) {
  for (df in c(5, 14, 29)) {
    for (paired in c(TRUE, FALSE)) {
      call <- sprintf("t_to_d(%s, %s, paired = %s)", t, df, paired)
      add("", call, "d", t_to_d(t, df, paired = paired), exact = c(t, df, (2 - paired) / sqrt(df)))
    }
  }
}

J <- function(df) exp(lgamma(df / 2) - log(sqrt(df / 2)) - lgamma((df - 1) / 2))
paired_d <- function(x, y, method, adjust, ci = 0.95) {
  m <- mean(x - y)
  n <- length(x)
  r <- cor(x, y)
  f <- 2 * (1 - r)
  if (method == "rm") {
    s <- sd(x - y) / sqrt(f)
    d <- m / s
    se <- sqrt((1 / n + d^2 / (2 * n)) * f)
  } else if (method == "av") {
    s <- sqrt((var(x) + var(y)) / 2)
    d <- m / s
    se <- sqrt(var(x - y) / n) / s
  } else if (method == "z") {
    s <- sd(x - y)
    d <- m / s
    se <- sqrt(1 / n + d^2 / (2 * n))
  } else if (method == "b") {
    s <- sd(y)
    d <- m / s
    se <- sqrt(f / n + d^2 / (2 * n))
  }
  lims <- d + qnorm(c((1 - ci) / 2, 1 - (1 - ci) / 2)) * se
  out <- c(d, lims)
  if (adjust) out <- out * J(n - 1)
  data.frame(d = out[1], CI = ci, CI_low = out[2], CI_high = out[3])
}

for (name in c("paired_n8", "paired_n15", "paired_n30")) {
  d <- read.csv(file.path(data_dir, paste0(name, ".csv")))
  n <- nrow(d)
  tt <- unname(t.test(d$post, d$pre, paired = TRUE)$statistic)
  add(name, "cohens_d(d$post, d$pre, paired = TRUE)", "d_z (ncp t CI)", cohens_d(d$post, d$pre, paired = TRUE),
    exact = c(tt, n - 1, 1 / sqrt(n))
  )
  add(name, "hedges_g(d$post, d$pre, paired = TRUE)", "g_z (ncp t CI)", hedges_g(d$post, d$pre, paired = TRUE),
    exact = c(tt, n - 1, J(n - 1) / sqrt(n))
  )
  add(
    name, "t_to_d(t.test(d$post, d$pre, paired = TRUE)$statistic, nrow(d) - 1, paired = TRUE)", "d = t / sqrt(n - 1)",
    t_to_d(tt, n - 1, paired = TRUE),
    exact = c(tt, n - 1, 1 / sqrt(n - 1))
  )
  for (method in c("rm", "av", "z", "b")) {
    for (adjust in c(FALSE, TRUE)) {
      call <- sprintf("repeated_measures_d(d$post, d$pre, method = \"%s\", adjust = %s)", method, adjust)
      res <- paired_d(d$post, d$pre, method, adjust)
      if (exists("repeated_measures_d", asNamespace("effectsize"))) {
        pkg <- as.data.frame(effectsize::repeated_measures_d(d$post, d$pre, method = method, adjust = adjust))
        stopifnot(isTRUE(all.equal(unname(unlist(pkg[c(1, 3, 4)])), unname(unlist(res[c(1, 3, 4)])), tolerance = 1e-12)))
      }
      label <- paste0(if (adjust) "g_" else "d_", method)
      add(name, call, label, res, source = "formula (effectsize 1.0.3 .paired_d)")
    }
  }
}

for (name in c("twosample_10_14", "twosample_5_5", "twosample_25_12")) {
  d <- read.csv(file.path(data_dir, paste0(name, ".csv")))
  x <- d$y[d$group == "x"]
  y <- d$y[d$group == "y"]
  n1 <- length(x)
  n2 <- length(y)
  # pooled: t on n1 + n2 - 2 df, d = t sqrt(1/n1 + 1/n2)
  tp <- unname(t.test(x, y, var.equal = TRUE)$statistic)
  hp <- sqrt(1 / n1 + 1 / n2)
  # unpooled: Welch t and df, d = t se / sqrt((s1^2 + s2^2) / 2)
  tw <- t.test(x, y)
  hw <- unname(tw$stderr / sqrt((var(x) + var(y)) / 2))
  dfw <- unname(tw$parameter)
  add(name, "cohens_d(x, y, pooled_sd = TRUE)", "d", cohens_d(x, y, pooled_sd = TRUE),
    exact = c(tp, n1 + n2 - 2, hp)
  )
  add(name, "cohens_d(x, y, pooled_sd = FALSE)", "d (unpooled, Welch df)", cohens_d(x, y, pooled_sd = FALSE),
    exact = c(unname(tw$statistic), dfw, hw)
  )
  add(name, "hedges_g(x, y, pooled_sd = TRUE)", "g", hedges_g(x, y, pooled_sd = TRUE),
    exact = c(tp, n1 + n2 - 2, hp * J(n1 + n2 - 2))
  )
  add(name, "hedges_g(x, y, pooled_sd = FALSE)", "g (unpooled, Welch df)", hedges_g(x, y, pooled_sd = FALSE),
    exact = c(unname(tw$statistic), dfw, hw * J(dfw))
  )
  add(name, "cohens_d(x, y, pooled_sd = TRUE, ci = 0.90)", "d", cohens_d(x, y, pooled_sd = TRUE, ci = 0.90),
    exact = c(tp, n1 + n2 - 2, hp)
  )
}
d_out <- do.call(rbind, d_rows)
# the call column contains commas: quote every field
write.csv(d_out, file.path("tests", "reference", "effectsize_d_reference.csv"), row.names = FALSE)
cat("wrote", nrow(f_out), "F rows and", nrow(d_out), "d rows\n")
