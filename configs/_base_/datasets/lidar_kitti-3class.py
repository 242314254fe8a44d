# Embedded LiDAR set in the KITTI 3D layout, generated offline by
# `python tools/data/generate_lidar.py --out data/` into data/lidar_kitti/
# (raw sweeps in training/velodyne, object-complete ones in
# training/velodyne_complete). Read by mmdet3d's KittiDataset unchanged: set
# data_root to a real KITTI folder (and pts to velodyne_reduced) to train there.
# No GT-database sampling (ObjectSample): it pastes objects into one point set
# only, which breaks the pairing of raw and object-complete frames.
data_root = 'data/lidar_kitti/'
class_names = ['Pedestrian', 'Cyclist', 'Car']
metainfo = dict(classes=class_names)
point_cloud_range = [0, -15.36, -3, 61.44, 15.36, 1]
points_folder = 'velodyne'
input_modality = dict(use_lidar=True, use_camera=False)

load_points = dict(type='mmdet3d.LoadPointsFromFile', coord_type='LIDAR', load_dim=4, use_dim=4)
augmentation = [
    dict(type='mmdet3d.RandomFlip3D', flip_ratio_bev_horizontal=0.5),
    dict(type='mmdet3d.GlobalRotScaleTrans', rot_range=[-0.78539816, 0.78539816],
         scale_ratio_range=[0.95, 1.05], translation_std=[0.2, 0.2, 0.2]),
]
train_pipeline = [
    load_points,
    dict(type='mmdet3d.LoadAnnotations3D', with_bbox_3d=True, with_label_3d=True),
    *augmentation,
    dict(type='mmdet3d.PointsRangeFilter', point_cloud_range=point_cloud_range),
    dict(type='mmdet3d.ObjectRangeFilter', point_cloud_range=point_cloud_range),
    dict(type='mmdet3d.PointShuffle'),
    dict(type='mmdet3d.Pack3DDetInputs', keys=['points', 'gt_labels_3d', 'gt_bboxes_3d']),
]
# the same with the object-complete sweep of each sample as a paired field
# (`paired_points` on the data sample), augmented with the same draw: the
# input of a teacher configured with inputs=dict(type='PairedPointsInput')
paired_folder = 'velodyne_complete'
paired_train_pipeline = [
    load_points,
    dict(type='mmkd.LoadPairedPoints', folder=paired_folder, key='paired_points'),
    dict(type='mmdet3d.LoadAnnotations3D', with_bbox_3d=True, with_label_3d=True),
    *augmentation,
    dict(type='mmkd.ReplayPointsAugmentation', key='paired_points'),
    dict(type='mmdet3d.PointsRangeFilter', point_cloud_range=point_cloud_range),
    dict(type='mmdet3d.ObjectRangeFilter', point_cloud_range=point_cloud_range),
    dict(type='mmdet3d.PointShuffle'),
    dict(type='mmkd.PackPairedPoints', key='paired_points',
         pack=dict(type='mmdet3d.Pack3DDetInputs', keys=['points', 'gt_labels_3d', 'gt_bboxes_3d'])),
]
test_pipeline = [
    load_points,
    dict(type='mmdet3d.PointsRangeFilter', point_cloud_range=point_cloud_range),
    dict(type='mmdet3d.Pack3DDetInputs', keys=['points']),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='mmdet3d.KittiDataset', data_root=data_root, ann_file='kitti_infos_train.pkl',
                 data_prefix=dict(pts=f'training/{points_folder}'), pipeline=train_pipeline,
                 modality=input_modality, test_mode=False, metainfo=metainfo, box_type_3d='LiDAR'))
val_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='mmdet3d.KittiDataset', data_root=data_root, ann_file='kitti_infos_val.pkl',
                 data_prefix=dict(pts=f'training/{points_folder}'), pipeline=test_pipeline,
                 modality=input_modality, test_mode=True, metainfo=metainfo, box_type_3d='LiDAR'))
test_dataloader = val_dataloader
# mmdet3d's KITTI BEV / 3D AP (all classes and difficulties) plus BEV AP40 by distance band
val_evaluator = dict(type='mmkd.KittiDistanceMetric', ann_file=data_root + 'kitti_infos_val.pkl',
                     kitti=dict(metric='bbox', pcd_limit_range=point_cloud_range))
test_evaluator = val_evaluator
