# Plain KD baseline of X-Ray: the same losses as X-Ray (BEV feature MSE,
# foreground-weighted, plus head distillation), from the RAW-frame teacher run
# on the student's own sweep. X-Ray differs only in the teacher and its input.
_base_ = ['../_base_/distill/pointpillars-s_pointpillars-s_lidar-kitti.py']
point_cloud_range = {{_base_.point_cloud_range}}
model = dict(
    # the teacher gets its own copy of the voxels: mmdet3d's PillarFeatureNet
    # (legacy=True) overwrites its input voxels in place
    teacher=dict(ckpt='work_dirs/pointpillars-s_adamw-12e_lidar-kitti/epoch_12.pth',
                 inputs=dict(type='ClonedInput')),
    distiller=dict(_delete_=True, type='BEVHeadDistiller', point_cloud_range=point_cloud_range,
                   bev_weight=1.0, foreground_weight=2.0, head_weight=1.0, cls_mode='kl'))
