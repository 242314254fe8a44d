# GKD stage 1, F2F, with the teacher's tokens read from a teacher-feature
# cache instead of running the teacher: the student's masking happens inside
# the student, after the teacher's (unmasked) view, and the pipeline's only
# random transform is a flip that the cache key records, so every variant can
# be cached. Extract once (4 passes hold both flips of nearly every image):
#   python tools/extract_teacher_features.py configs/gkd/<this file> --passes 4
# tools/train_stages.py does this before stage 1 when the config has a cache.
# A batch with an uncached variant runs the live teacher (logged once).
_base_ = ['./gkd_qsd-mask_mae-vit-e192-d6_vit-e128-d4_adamw-800i_street-synthetic.py']
model = dict(teacher_cache=dict(cache_dir='work_dirs/teacher_cache/gkd_mae-vit-e192-d6_street-synthetic',
                                on_miss='teacher'))
