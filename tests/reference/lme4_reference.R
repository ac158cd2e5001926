# Likelihood-ratio test of the group x time interaction in a random-intercept model (lme4).
#
# Run from the repository root:  Rscript tests/reference/lme4_reference.R
# Reads  tests/reference/data/<design>.csv (subject,group,time,y) for the 3-group x 3-time designs
# Writes tests/reference/lme4_reference.csv, one row per design:
#   full    <- lmer(y ~ group * time + (1 | subject), data = d, REML = FALSE)
#   reduced <- lmer(y ~ group + time + (1 | subject), data = d, REML = FALSE)
#   anova(reduced, full)   -> logLik of each, Chisq, Df, Pr(>Chisq)
# Every row of the CSV is used: the model keeps a subject who misses a timepoint (missing_3g6_3t).
suppressPackageStartupMessages(library(lme4))
data_dir <- file.path("tests", "reference", "data")
stopifnot(dir.exists(data_dir))
num <- function(x) sprintf("%.17g", x)
rows <- list()
for (design in c("bench_3g10_3t", "null_3g5_3t", "skew_3g6_3t", "missing_3g6_3t")) {
  d <- read.csv(file.path(data_dir, paste0(design, ".csv")))
  full <- lmer(y ~ group * time + (1 | subject), data = d, REML = FALSE)
  reduced <- lmer(y ~ group + time + (1 | subject), data = d, REML = FALSE)
  a <- anova(reduced, full)
  rows[[design]] <- data.frame(
    design = design,
    call = "anova(lmer(y ~ group + time + (1 | subject), REML = FALSE), lmer(y ~ group * time + (1 | subject), REML = FALSE))",
    n_obs = nrow(d),
    llf_reduced = num(as.numeric(logLik(reduced))),
    llf_full = num(as.numeric(logLik(full))),
    chi2 = num(a$Chisq[2]),
    df = a$Df[2],
    p = num(a[["Pr(>Chisq)"]][2]),
    lme4 = as.character(packageVersion("lme4"))
  )
}
write.csv(do.call(rbind, rows), file.path("tests", "reference", "lme4_reference.csv"), row.names = FALSE)
