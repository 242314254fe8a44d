"""Embedded LiDAR data: a street-scene simulator written in the KITTI 3D layout,
and object-complete frames (every object with the points of all its views).

``generate_lidar`` writes sequences that mmdet3d's ``KittiDataset`` reads
unchanged (plus the track id of every object); ``build_object_complete``
writes the object-complete point set beside the raw one.
"""
from .accumulation import (STRATEGIES, AccumulationStrategy, ConcatenateStrategy, ICPStrategy,
                           SingleFrameStrategy, build_strategy)
from .boxes import box_corners, from_canonical, points_in_boxes, to_canonical
from .frames import Frame, render_frame
from .generate import TRACKS_FILE, generate_lidar, sample_index, write_kitti_infos
from .kitti_layout import KittiCalib, label_lines, read_points, write_points
from .object_complete import COMPLETE_FOLDER, build_object_complete, complete_sequence, lidar_boxes_from_info
from .scene import CATEGORIES, Scene, Track, generate_scene
from .sensor import SpinningLidar

__all__ = ['AccumulationStrategy', 'CATEGORIES', 'COMPLETE_FOLDER', 'ConcatenateStrategy', 'Frame',
           'ICPStrategy', 'KittiCalib', 'STRATEGIES', 'Scene', 'SingleFrameStrategy', 'SpinningLidar',
           'TRACKS_FILE', 'Track', 'box_corners', 'build_object_complete', 'build_strategy',
           'complete_sequence', 'from_canonical', 'generate_lidar', 'generate_scene', 'label_lines',
           'lidar_boxes_from_info', 'points_in_boxes', 'read_points', 'render_frame', 'sample_index',
           'to_canonical', 'write_kitti_infos', 'write_points']
