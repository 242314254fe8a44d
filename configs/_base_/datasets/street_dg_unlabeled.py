# Unlabeled images of the street DG benchmark (see street_dg.py), for
# task-agnostic feature distillation (GKD stage 1): the source domain's
# training images without label maps. The pipeline records every geometric
# change (scale_factor, flip) in the metainfo, so the teacher's tokens of each
# variant can be read from a teacher-feature cache.
_base_ = ['./street_dg.py']

unlabeled_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(type='mmseg.Resize', scale={{_base_.image_scale}}, keep_ratio=True),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=unlabeled_pipeline))
val_dataloader = None
val_evaluator = None
val_cfg = None
test_dataloader = None
test_evaluator = None
test_cfg = None
