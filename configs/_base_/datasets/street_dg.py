# Embedded domain-generalisation benchmark: the street scenes rendered in four
# visual domains with the same layouts and label maps (Cityscapes layout and
# train ids in each), generated offline by
#   python tools/data/generate_embedded.py --out data/ --dg-only
# into data/street_dg/<domain>/. Train on the source domain (flat-shaded
# synthetic frames, the GTA5 of this benchmark), evaluate on every domain:
# mmkd.DomainIoUMetric reports <domain>_mIoU and target_mIoU, the mean over
# the three targets (photo-textured, night, fog).
# Pipelines (resize/crop/flip at the generated 128x256 size) come from shapes_cityscapes.py.
_base_ = ['./shapes_cityscapes.py']
dataset_type = 'mmseg.CityscapesDataset'
data_root = 'data/street_dg/'
source_domain = 'synthetic'
target_domains = ('photo', 'night', 'fog')
train_pipeline = {{_base_.train_pipeline}}
test_pipeline = {{_base_.test_pipeline}}
backend_args = None


def _domain_set(domain, split, pipeline):
    return dict(type=dataset_type, data_root=data_root,
                data_prefix=dict(img_path=f'{domain}/leftImg8bit/{split}', seg_map_path=f'{domain}/gtFine/{split}'),
                pipeline=pipeline, backend_args=backend_args)


train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, **_domain_set(source_domain, 'train', train_pipeline)))
# every domain's val split, source first; the metric tells them apart by folder
val_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, type='ConcatDataset',
                 datasets=[_domain_set(d, 'val', test_pipeline) for d in (source_domain, ) + target_domains]))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmkd.DomainIoUMetric', domains=(source_domain, ) + target_domains, source=source_domain)
test_evaluator = val_evaluator
