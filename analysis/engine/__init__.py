"""The engine the studies share: nothing here knows about a particular study.

``simulate``   designs from summary statistics with exact sample moments (a port of R's faux)
``anova``      the batched mixed ANOVA (Type II/III SS, Mauchly, GG/HF), arrays of replicates
``ttests``     batched one-sample, paired and Welch t-tests, Holm
``stats``      the DataFrame-level tests the studies report (pingouin-style tables)
``meta``       random-effects meta-analysis (DL, PM, REML; Knapp-Hartung)
``hrr``        heart-rate reserve zones;  ``sessions``: training sessions against a prescription
``tables``     result tables with notes;  ``plots``: every figure
``figureset``  a study's figures, drawn when read; their files rendered once per build
"""
