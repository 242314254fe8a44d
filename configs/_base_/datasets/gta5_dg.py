# GTA5 -> Cityscapes / BDD100K / Mapillary domain generalisation (the setting
# of GKD and Rein): train on GTA5 (train ids, *_labelTrainIds.png next to
# images/), evaluate on the three real data sets' val splits, concatenated; the
# metric (mmkd.DomainIoUMetric) tells them apart by the folder names
# cityscapes / bdd100k / mapillary in the image paths. Expected layouts:
#   data/gta5/images/*.png, data/gta5/labels/*_labelTrainIds.png
#   data/cityscapes/leftImg8bit/val/<city>/*, data/cityscapes/gtFine/val/<city>/*_labelTrainIds.png
#   data/bdd100k/images/10k/val/*.jpg, data/bdd100k/labels/sem_seg/masks/val/*.png (train ids)
#   data/mapillary/half/val_img/*.jpg, data/mapillary/half/val_label/*.png (mapped to Cityscapes train ids)
classes = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light', 'traffic sign', 'vegetation',
           'terrain', 'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle', 'bicycle')
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='RandomResize', scale=(1280, 720), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='mmseg.PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(1024, 512), keep_ratio=True),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]
gta5 = dict(type='mmseg.BaseSegDataset', data_root='data/gta5/', metainfo=dict(classes=classes),
            data_prefix=dict(img_path='images', seg_map_path='labels'), img_suffix='.png',
            seg_map_suffix='_labelTrainIds.png', pipeline=train_pipeline)
targets = [
    dict(type='mmseg.CityscapesDataset', data_root='data/cityscapes/',
         data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'), pipeline=test_pipeline),
    dict(type='mmseg.BaseSegDataset', data_root='data/bdd100k/', metainfo=dict(classes=classes),
         data_prefix=dict(img_path='images/10k/val', seg_map_path='labels/sem_seg/masks/val'),
         img_suffix='.jpg', seg_map_suffix='.png', pipeline=test_pipeline),
    dict(type='mmseg.BaseSegDataset', data_root='data/mapillary/', metainfo=dict(classes=classes),
         data_prefix=dict(img_path='half/val_img', seg_map_path='half/val_label'),
         img_suffix='.jpg', seg_map_suffix='.png', pipeline=test_pipeline),
]
train_dataloader = dict(batch_size=4, num_workers=4, persistent_workers=True,
                        sampler=dict(type='DefaultSampler', shuffle=True), dataset=gta5)
val_dataloader = dict(batch_size=1, num_workers=4, persistent_workers=True,
                      sampler=dict(type='DefaultSampler', shuffle=False),
                      dataset=dict(type='ConcatDataset', datasets=targets))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmkd.DomainIoUMetric', domains=('cityscapes', 'bdd100k', 'mapillary'))
test_evaluator = val_evaluator
