# GKD stage 1, F2F: query-based soft distillation heads (token, feature,
# patch) with the student's input masked on half of the samples (half of
# their patches, learned mask token), weights 1/1/1, as in GKD's scripts.
_base_ = ['../_base_/distill/gkd_mae-vit-e192-d6_vit-e128-d4_street.py']
