# Random-effects meta-analysis references (metafor).
#
# Run from the repository root:  Rscript tests/reference/meta_reference.R
# Reads  tests/reference/data/aerobic_meta_sets.csv  (written by dump_aerobic_meta.py)
# Writes tests/reference/data/dat_bcg.csv              metafor's dat.bcg with yi, vi
#        tests/reference/meta_reference.csv            one row per (dataset, method, test)
#
# dat.bcg: 13 BCG vaccine trials (Colditz et al. 1994), log risk ratios
#   dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
# For each dataset, method in DL, PM, REML and test in "z", "knha":
#   fit <- rma(yi, vi, data = dat, method = method, test = test)
#   pr  <- predict(fit)                        # default prediction interval
#   prr <- predict(fit, pi.type = "riley")     # t on k - 2 df (Higgins et al. 2009)
# control = "default" rows use metafor's defaults; "tight" rows (PM and REML only) use
#   control = list(tol = 1e-12, threshold = 1e-12, maxiter = 10000)
# Columns: tau2, se_tau2 (NA where metafor gives none), tau, estimate (b), se, stat (zval, or
# the t value with test = "knha"), stat_df (NA for z), pval, ci_lb, ci_ub, I2 (%), H2, QE, QEp,
# s2 (metafor's "typical" within-study variance, (k - 1) sum(w) / (sum(w)^2 - sum(w^2)),
# w = 1 / vi), pi_lb, pi_ub (default: z quantile for test = "z", t on k - 1 df for "knha"),
# pi_riley_lb, pi_riley_ub (t on k - 2 df, sqrt(tau2 + se^2)).
# metafor computes I2 = 100 tau2 / (tau2 + s2) and H2 = (tau2 + s2) / s2 from the tau2 of the
# chosen method (for DL this equals (QE - (k - 1)) / QE); QE, QEp do not depend on method/test.

suppressPackageStartupMessages(library(metafor))

ref_dir <- file.path("tests", "reference")
stopifnot(dir.exists(ref_dir)) # run from the repository root
num <- function(x) ifelse(is.null(x) || is.na(x), "", sprintf("%.17g", x))

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg_out <- data.frame(
  trial = bcg$trial, author = bcg$author, year = bcg$year,
  tpos = bcg$tpos, tneg = bcg$tneg, cpos = bcg$cpos, cneg = bcg$cneg,
  ablat = bcg$ablat, alloc = bcg$alloc,
  yi = sapply(as.numeric(bcg$yi), num), vi = sapply(as.numeric(bcg$vi), num)
)
write.csv(bcg_out, file.path(ref_dir, "data", "dat_bcg.csv"), row.names = FALSE)

aerobic <- read.csv(file.path(ref_dir, "data", "aerobic_meta_sets.csv"))
datasets <- list(dat_bcg = data.frame(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi)))
for (a in unique(aerobic$analysis)) {
  datasets[[paste0("aerobic: ", a)]] <- aerobic[aerobic$analysis == a, c("yi", "vi")]
}

# metafor's defaults stop PM's uniroot() at tol = .Machine$double.eps^0.25 (about 1.2e-4) and
# REML's Fisher scoring at a tau2 change below threshold = 1e-5; control = "tight" rows repeat
# PM and REML with both at 1e-12, to pin an exact solver to more digits.
controls <- list(default = list(), tight = list(tol = 1e-12, threshold = 1e-12, maxiter = 10000))

rows <- list()
for (name in names(datasets)) {
  dat <- datasets[[name]]
  w <- 1 / dat$vi
  k <- nrow(dat)
  s2 <- (k - 1) * sum(w) / (sum(w)^2 - sum(w^2))
  for (method in c("DL", "PM", "REML")) {
    for (test in c("z", "knha")) {
     for (ctl in names(controls)) {
      if (method == "DL" && ctl == "tight") next # DL is closed-form: no iteration to tighten
      fit <- rma(yi, vi, data = dat, method = method, test = test, control = controls[[ctl]])
      pr <- predict(fit)
      prr <- predict(fit, pi.type = "riley")
      stopifnot(abs(fit$I2 - 100 * fit$tau2 / (fit$tau2 + s2)) < 1e-9)
      rows[[length(rows) + 1]] <- data.frame(
        dataset = name, k = k, method = method, test = test, control = ctl,
        call = sprintf(
          "rma(yi, vi, data = dat, method = \"%s\", test = \"%s\"%s)", method, test,
          if (ctl == "tight") ", control = list(tol = 1e-12, threshold = 1e-12, maxiter = 10000)" else ""
        ),
        tau2 = num(fit$tau2), se_tau2 = num(fit$se.tau2), tau = num(sqrt(fit$tau2)),
        estimate = num(as.numeric(fit$b)), se = num(fit$se), stat = num(fit$zval),
        stat_df = if (test == "knha") num(fit$ddf) else "", pval = num(fit$pval),
        ci_lb = num(fit$ci.lb), ci_ub = num(fit$ci.ub), I2 = num(fit$I2), H2 = num(fit$H2),
        QE = num(fit$QE), QEp = num(fit$QEp), s2 = num(s2),
        pi_lb = num(pr$pi.lb), pi_ub = num(pr$pi.ub),
        pi_riley_lb = num(prr$pi.lb), pi_riley_ub = num(prr$pi.ub)
      )
     }
    }
  }
}
out <- do.call(rbind, rows)
write.csv(out, file.path(ref_dir, "meta_reference.csv"), row.names = FALSE)
cat("wrote", nrow(out), "rows to tests/reference/meta_reference.csv\n")
