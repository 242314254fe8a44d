# GKD stage 1, F2F, style-twins dense-BYOL teacher, its tokens read from a teacher-feature
# cache shared by every stage-1 config with this teacher:
#   python tools/extract_teacher_features.py configs/gkd/<this file> --passes 8
_base_ = ['./gkd_qsd-mask_densebyol-twins-vit-e192-d6_vit-e128-d4_adamw-800i_street-synthetic.py']
model = dict(teacher_cache=dict(cache_dir='work_dirs/teacher_cache/gkd_densebyol-twins-vit-e192-d6_street-synthetic',
                                on_miss='teacher'))
