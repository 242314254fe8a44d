# OADP's OV-COCO schedule (LutingWang/OADP schedules/base.py + 40k.py): SGD lr
# 0.02 (16 images per step), momentum 0.9, weight decay 1e-4, linear warm-up of
# 500 iterations from 0.001, x0.1 at 30k, 40k iterations, evaluation every 2000.
max_iters = 40000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters, milestones=[30000], gamma=0.1),
]
auto_scale_lr = dict(enable=False, base_batch_size=16)
