# Embedded domain-generalisation benchmark: the street scenes rendered in four
# visual domains with the same layouts and label maps (Cityscapes layout and
# train ids in each), generated offline by
#   python tools/data/generate_embedded.py --out data/ --dg-only
# into data/street_dg/<domain>/. Train on the source domain (flat-shaded
# synthetic frames, the GTA5 of this benchmark), evaluate on every domain:
# mmkd.DomainIoUMetric reports <domain>_mIoU and target_mIoU, the mean over
# the three targets (photo-textured, night, fog).
dataset_type = 'mmseg.CityscapesDataset'
data_root = 'data/street_dg/'
source_domain = 'synthetic'
target_domains = ('photo', 'night', 'fog')
image_scale = (256, 128)  # (long, short) edge, as the images are generated
crop_size = (128, 256)  # (height, width)
backend_args = None

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='RandomResize', scale=image_scale, ratio_range=(1.0, 1.5), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='mmseg.PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='mmseg.Resize', scale=image_scale, keep_ratio=True),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]


def _domain_set(domain, split, pipeline):
    return dict(type=dataset_type, data_root=data_root,
                data_prefix=dict(img_path=f'{domain}/leftImg8bit/{split}', seg_map_path=f'{domain}/gtFine/{split}'),
                pipeline=pipeline, backend_args=backend_args)


train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=_domain_set(source_domain, 'train', train_pipeline))
# every domain's val split, source first; the metric tells them apart by folder
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ConcatDataset',
                 datasets=[_domain_set(d, 'val', test_pipeline) for d in (source_domain, ) + target_domains]))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmkd.DomainIoUMetric', domains=(source_domain, ) + target_domains, source=source_domain)
test_evaluator = val_evaluator
