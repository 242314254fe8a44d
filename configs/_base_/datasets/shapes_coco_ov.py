# Open-vocabulary split of the embedded shapes set (6 base / 2 novel classes,
# mmkd.datasets.ov_split): train on the OV training annotation (novel boxes
# removed, written by tools/extract_oake_features.py --ov-split shapes), evaluate
# novel / base / all AP50 on the evaluation annotation of val (all boxes).
# The class list keeps the novel classes, so label i means the same class in
# training and evaluation (their classifier columns are masked in training).
_base_ = ['./shapes_coco_detection.py']

data_root = 'data/shapes_coco/'
train_ann = 'annotations/instances_train2017_ov-shapes_train.json'
eval_ann = 'annotations/instances_val2017_ov-shapes_eval.json'

# homography_matrix: the resize + flip of each sample, through which the OAKE
# boxes (cached in original pixels) are mapped (mmkd.models.oadp.box_mapping)
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='mmdet.Resize', scale={{_base_.image_size}}, keep_ratio=True),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip', 'flip_direction',
                    'homography_matrix')),
]
train_dataloader = dict(dataset=dict(ann_file=train_ann, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(ann_file=eval_ann))
test_dataloader = val_dataloader

val_evaluator = dict(_delete_=True, type='mmkd.OpenVocabularyAP50', ann_file=data_root + eval_ann, split='shapes')
test_evaluator = val_evaluator
