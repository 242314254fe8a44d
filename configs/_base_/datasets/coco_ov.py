# OV-COCO (Bansal et al. 2018; ViLD, OADP): 48 base / 17 novel of COCO 2017's
# categories. Train on the base boxes of train2017, evaluate novel / base / all
# AP50 on val2017 with both; the 15 unused COCO categories are dropped from both
# annotations. Write them once with
#   python tools/extract_oake_features.py --ov-split coco ...   (train, with the OAKE cache)
#   mmkd.datasets.write_ov_split(<val2017 json>, <unused>, <eval json>, split='coco')
_base_ = ['./coco_detection.py']

data_root = 'data/coco/'
train_ann = 'annotations/instances_train2017_ov-coco_train.json'
eval_ann = 'annotations/instances_val2017_ov-coco_eval.json'
# the 65 OV-COCO classes in COCO category order (the order write_ov_split keeps)
classes = (
    'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'bench', 'bird', 'cat',
    'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie',
    'suitcase', 'frisbee', 'skis', 'snowboard', 'kite', 'skateboard', 'surfboard', 'bottle', 'cup', 'fork', 'knife',
    'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot', 'pizza', 'donut', 'cake', 'chair',
    'couch', 'bed', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'microwave', 'oven', 'toaster', 'sink',
    'refrigerator', 'book', 'clock', 'vase', 'scissors', 'toothbrush')
novel_class_indices = [4, 5, 11, 12, 15, 16, 21, 23, 27, 29, 32, 34, 45, 47, 54, 58, 63]
metainfo = dict(classes=classes)

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='mmdet.Resize', scale={{_base_.image_size}}, keep_ratio=True),
    dict(type='mmdet.RandomFlip', prob=0.5),
    dict(type='mmdet.PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip', 'flip_direction',
                    'homography_matrix')),
]
train_dataloader = dict(dataset=dict(ann_file=train_ann, metainfo=metainfo, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(ann_file=eval_ann, metainfo=metainfo))
test_dataloader = val_dataloader

val_evaluator = dict(_delete_=True, type='mmkd.OpenVocabularyAP50', ann_file=data_root + eval_ann, split='coco',
                     max_dets=100)
test_evaluator = val_evaluator
