# Train the small CLIP (mmkd-tiny-vit-64) contrastively on the embedded shapes set: the
# stand-in for web-scale CLIP weights that configs/oadp distils. Users with real CLIP
# weights skip this (CLIPTeacher(model_name='ViT-B-32', ckpt=PATH)).
#   python tools/train.py configs/clip/clip-tiny-vit-64_adamw-500i_shapes-coco.py
# writes work_dirs/clip/mmkd-tiny-vit-64_shapes_coco.pth (bare open_clip weights), its
# .text.pth class embeddings and a .json summary (ExportCLIPHook); Runner checkpoints and
# --resume / --amp / DDP work as for every training. See configs/clip/README.md.
_base_ = ['../_base_/default_runtime.py']

data_root = 'data/shapes_coco/'
# open_clip's OPENAI_DATASET_MEAN / _STD: the small CLIP's preprocess (clip_mean_std)
clip_mean = (0.48145466, 0.4578275, 0.40821073)
clip_std = (0.26862954, 0.26130258, 0.27577711)
image_size = 64  # SMALL_CLIP_CONFIGS['mmkd-tiny-vit-64'] vision image_size

model = dict(type='mmkd.ContrastiveCLIP', model_name='mmkd-tiny-vit-64')

caption_pairs = dict(type='mmkd.CaptionPairsDataset', data_root=data_root, image_size=image_size, mean=clip_mean,
                     std=clip_std)
# every category, novel ones included: the OV split hides novel boxes from the
# detector, not from the CLIP's pre-training (use the full annotation)
train_dataloader = dict(
    batch_size=64,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(caption_pairs, ann_file='annotations/instances_train2017.json', img_dir='train2017',
                 augment=True, box_jitter=0.1))
# zero-shot classification of the validation boxes' square crops
val_dataloader = dict(
    batch_size=256,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(caption_pairs, ann_file='annotations/instances_val2017.json', img_dir='val2017',
                 kinds=('objects',), augment=False))
val_evaluator = dict(type='mmkd.ZeroShotAccuracy', split='shapes')
test_dataloader = val_dataloader
test_evaluator = val_evaluator

max_iters = 500
warmup_iters = 50
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# open_clip's recipe: AdamW, no weight decay on 1-d tensors (norms, biases,
# class token) nor on the temperature; linear warm-up then cosine decay to 0
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.98), eps=1e-6, weight_decay=0.1),
    paramwise_cfg=dict(flat_decay_mult=0.0, custom_keys={'logit_scale': dict(decay_mult=0.0)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / warmup_iters, by_epoch=False, begin=0, end=warmup_iters),
    dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=False, begin=warmup_iters, end=max_iters,
         T_max=max_iters - warmup_iters),
]

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='mmkd.CrashSafeCheckpointHook', by_epoch=False, interval=max_iters, max_keep_ckpts=2,
                    backend_args=dict(backend='mmkd_atomic_local')))
custom_hooks = [dict(type='mmkd.ExportCLIPHook', out='work_dirs/clip/mmkd-tiny-vit-64_shapes_coco.pth')]
log_processor = dict(by_epoch=False)
