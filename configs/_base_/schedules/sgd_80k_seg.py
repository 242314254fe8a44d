# mmseg's 80k-iteration schedule (configs/_base_/schedules/schedule_80k.py):
# SGD lr 0.01, poly decay, validation every 8k iterations. Its iteration-based
# checkpoint/logger hooks are set by the configs that use it, on top of
# default_runtime.py (mmengine forbids the same key in two bases).
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=80000, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
