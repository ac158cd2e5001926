# Mixed-design ANOVA references (between: group, within: time, subjects nested in groups).
#
# Run from the repository root:  Rscript tests/reference/anova_reference.R
# Reads  tests/reference/data/<design>.csv  for every design in tests/reference/data/designs.csv
# Writes tests/reference/anova_reference.csv
#
# For each design and type in (2, 3):
#   fit <- afex::aov_ez(id = "subject", dv = "y", data = d, between = "group",
#                       within = "time", type = type)
# afex sets contr.sum on the between factor (check_contrasts = TRUE) and fits car::Anova on
# the multivariate lm; the numbers below come from
#   summary(fit)$univariate.tests   SS, num df, error SS, den df, F, p (uncorrected)
#   summary(fit)$sphericity.tests   Mauchly W and p           (within effects with > 2 levels)
#   summary(fit)$pval.adjustments   GG eps, GG p, HF eps, HF p (within effects with > 2 levels)
#   anova(fit, es = "pes", correction = "none")$pes            partial eta squared
# Conventions (car 3.1-1, afex 1.2-1):
#   * HF eps is the raw Huynh-Feldt-Lecoutre value ((N - g + 1)(k - 1)GG - 2) /
#     ((k - 1)(N - g - (k - 1)GG)) and may exceed 1; the HF p uses min(1, HF eps).
#   * With 2 time points there is no Mauchly test or epsilon: the columns are empty (NA) and the
#     uncorrected p is the only p (epsilon = 1 by definition).
#   * Between-subject rows (group) have no sphericity columns.
#   * pes = SS / (SS + SS_error) with the effect's own error term.
# Subjects without a row for every time point are dropped before fitting (complete cases),
# as afex itself does (with a warning); the dropped ids are listed in data/designs.csv.

suppressPackageStartupMessages(library(afex))

options(digits = 17)
data_dir <- file.path("tests", "reference", "data")
stopifnot(dir.exists(data_dir)) # run from the repository root
designs <- read.csv(file.path(data_dir, "designs.csv"), colClasses = "character")

num <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))

read_design <- function(name) {
  d <- read.csv(file.path(data_dir, paste0(name, ".csv")),
    colClasses = c("character", "character", "character", "numeric")
  )
  k <- length(unique(d$time))
  per_subject <- table(d$subject)
  complete <- names(per_subject)[per_subject == k]
  dropped <- setdiff(unique(d$subject), complete)
  d <- d[d$subject %in% complete, ]
  d$subject <- factor(d$subject)
  d$group <- factor(d$group)
  d$time <- factor(d$time)
  list(data = d, dropped = dropped)
}

get_cell <- function(tab, row, col) {
  if (is.null(tab) || !(row %in% rownames(tab)) || !(col %in% colnames(tab))) {
    return(NA_real_)
  }
  unname(tab[row, col])
}

rows <- list()
for (name in designs$design) {
  design <- read_design(name)
  stopifnot(identical(paste(design$dropped, collapse = ";"), designs$dropped_subject[designs$design == name]))
  for (type in c(2, 3)) {
    fit <- suppressWarnings(suppressMessages(
      aov_ez(
        id = "subject", dv = "y", data = design$data, between = "group",
        within = "time", type = type
      )
    ))
    # summary() warns "HF eps > 1 treated as 1" where that happens (see hf_eps > 1 in the CSV)
    s <- suppressWarnings(summary(fit))
    uni <- unclass(s$univariate.tests)
    # With only 2 time points car returns an empty sphericity table and a placeholder
    # pval.adjustments table (NA eps, p = 0): neither is a result, so both are dropped.
    has_sph <- NROW(s$sphericity.tests) > 0
    sph <- if (has_sph) unclass(s$sphericity.tests) else NULL
    adj <- if (has_sph) unclass(s$pval.adjustments) else NULL
    es <- anova(fit, es = "pes", correction = "none")
    for (effect in c("group", "time", "group:time")) {
      ss <- get_cell(uni, effect, "Sum Sq")
      ss_error <- get_cell(uni, effect, "Error SS")
      pes <- es[effect, "pes"]
      stopifnot(abs(pes - ss / (ss + ss_error)) < 1e-12)
      stopifnot(abs(get_cell(uni, effect, "F value") - es[effect, "F"]) < 1e-9)
      rows[[length(rows) + 1]] <- data.frame(
        design = name,
        type = type,
        effect = effect,
        ss = num(ss),
        df1 = num(get_cell(uni, effect, "num Df")),
        ss_error = num(ss_error),
        df2 = num(get_cell(uni, effect, "den Df")),
        F = num(get_cell(uni, effect, "F value")),
        p = num(get_cell(uni, effect, "Pr(>F)")),
        pes = num(pes),
        mauchly_w = num(get_cell(sph, effect, "Test statistic")),
        mauchly_p = num(get_cell(sph, effect, "p-value")),
        gg_eps = num(get_cell(adj, effect, "GG eps")),
        gg_p = num(get_cell(adj, effect, "Pr(>F[GG])")),
        hf_eps = num(get_cell(adj, effect, "HF eps")),
        hf_p = num(get_cell(adj, effect, "Pr(>F[HF])")),
        stringsAsFactors = FALSE
      )
    }
  }
}
out <- do.call(rbind, rows)
write.csv(out, file.path("tests", "reference", "anova_reference.csv"), row.names = FALSE, quote = FALSE)
cat("wrote", nrow(out), "rows to tests/reference/anova_reference.csv\n")
