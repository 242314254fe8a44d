# X-Ray teacher: the same architecture and schedule as the raw-frame teacher,
# trained on object-complete sweeps (training/velodyne_complete, built by
# `python tools/data/generate_lidar.py`). Evaluated on object-complete frames by
# default; on raw frames with
#   --cfg-options val_dataloader.dataset.data_prefix.pts=training/velodyne \
#                 test_dataloader.dataset.data_prefix.pts=training/velodyne
_base_ = ['./pointpillars-s_adamw-12e_lidar-kitti.py']
complete = dict(data_prefix=dict(pts='training/velodyne_complete'))
train_dataloader = dict(dataset=complete)
val_dataloader = dict(dataset=complete)
test_dataloader = dict(dataset=complete)
