# Student alone: PointPillars-S trained on raw sweeps (the baseline every
# distilled student is compared with; same data, schedule and seeds).
_base_ = [
    '../_base_/models/pointpillars-s_secfpn_lidar-kitti.py',
    '../_base_/datasets/lidar_kitti-3class.py',
    '../_base_/schedules/adamw_6e.py',
    '../_base_/default_runtime.py',
]
