# The embedded shapes set (COCO layout) with instance masks, for SAM-style
# prompt training and prompt-mIoU evaluation. Images are resized so the longer
# side is the SAM input size (the algorithms' data preprocessor pads to it);
# masks are loaded before Resize in both pipelines so they live in the model
# input frame. Random flips are recorded in the metainfo, so the teacher cache
# keys them (extract with --passes N).
_base_ = ['./shapes_coco_detection.py']

sam_img_size = 128
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='mmdet.Resize', scale=(sam_img_size, sam_img_size), keep_ratio=True),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='mmdet.Resize', scale=(sam_img_size, sam_img_size), keep_ratio=True),
    dict(type='mmdet.PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# one centre point; 3 and 5 clicks of the interactive protocol (each next click in the largest error); a box
val_evaluator = dict(_delete_=True, type='mmkd.PromptMIoU', prompt_types=('point', 'clicks3', 'clicks5', 'box'))
test_evaluator = val_evaluator
