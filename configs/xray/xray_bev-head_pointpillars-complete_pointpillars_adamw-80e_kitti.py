# X-Ray distillation on real KITTI with mmdet3d's PointPillars (paper setting:
# Gambashidze et al., CVPR 2024, distil a same-architecture teacher trained on
# object-complete frames; the paper reports +1-2 mAP for supervised detectors).
# Needs, besides mmdet3d's KITTI infos: object-complete sweeps in
# training/velodyne_reduced_complete (tools/data/generate_lidar.py --complete-only
# with a kitti_tracks.json giving the track id of every labelled object, e.g.
# from KITTI tracking) and the teacher trained on them in checkpoints/.
# No GT-database sampling: it would paste objects into the raw sweep only.
_base_ = ['../_base_/distill/pointpillars_pointpillars_kitti.py']
point_cloud_range = {{_base_.point_cloud_range}}
model = dict(
    teacher=dict(ckpt='checkpoints/pointpillars_kitti-3class_object-complete.pth',
                 inputs=dict(type='mmkd.PairedPointsInput', field='paired_points')),
    distiller=dict(_delete_=True, type='mmkd.BEVHeadDistiller', point_cloud_range=point_cloud_range,
                   bev_weight=1.0, foreground_weight=2.0, head_weight=1.0, cls_mode='kl'))
train_pipeline = [
    dict(type='LoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4),
    dict(type='mmkd.LoadPairedPoints', folder='velodyne_reduced_complete', key='paired_points'),
    dict(type='LoadAnnotations3D', with_bbox_3d=True, with_label_3d=True),
    dict(type='RandomFlip3D', flip_ratio_bev_horizontal=0.5),
    dict(type='GlobalRotScaleTrans', rot_range=[-0.78539816, 0.78539816], scale_ratio_range=[0.95, 1.05]),
    dict(type='mmkd.ReplayPointsAugmentation', key='paired_points'),
    dict(type='PointsRangeFilter', point_cloud_range=point_cloud_range),
    dict(type='ObjectRangeFilter', point_cloud_range=point_cloud_range),
    dict(type='PointShuffle'),
    dict(type='mmkd.PackPairedPoints', key='paired_points',
         pack=dict(type='mmdet3d.Pack3DDetInputs', keys=['points', 'gt_labels_3d', 'gt_bboxes_3d'])),
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=train_pipeline)))
