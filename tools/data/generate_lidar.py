"""Generate the embedded LiDAR set and its object-complete frames.

``python tools/data/generate_lidar.py --out data/ --seed 0`` writes
``data/lidar_kitti``: simulated street sequences in the KITTI 3D object layout
(``training/velodyne``, ``label_2``, ``calib``, ``image_2``, ``ImageSets``,
mmdet3d's ``kitti_infos_{train,val}.pkl`` and ``kitti_tracks.json``), then the
object-complete sweeps in ``training/velodyne_complete``. Rerunning with the
same arguments reuses both; an interrupted run resumes.

``--root`` with ``--complete-only`` builds object-complete sweeps for any
KITTI-layout folder whose ``kitti_tracks.json`` gives the track ids.
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # run from a checkout

from mmkd.datasets.lidar import STRATEGIES, build_object_complete, generate_lidar  # noqa: E402

LIDAR_DIR = 'lidar_kitti'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', default='data', help='parent folder of the data set (default: data)')
    parser.add_argument('--root', help=f'the data set folder itself (default: <out>/{LIDAR_DIR})')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-train', type=int, default=20, help='training sequences (default 20)')
    parser.add_argument('--num-val', type=int, default=5, help='validation sequences (default 5)')
    parser.add_argument('--num-frames', type=int, default=12, help='frames per sequence (default 12)')
    parser.add_argument('--strategy', default='concatenate', choices=sorted(STRATEGIES),
                        help='how the views of an object are merged (default: concatenate)')
    only = parser.add_mutually_exclusive_group()
    only.add_argument('--raw-only', action='store_true', help='no object-complete sweeps')
    only.add_argument('--complete-only', action='store_true', help='only the object-complete sweeps')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    root = args.root or osp.join(args.out, LIDAR_DIR)
    start = time.perf_counter()
    if not args.complete_only:
        generate_lidar(root, seed=args.seed, num_train=args.num_train, num_val=args.num_val,
                       num_frames=args.num_frames)
        print(f'{root}: raw sweeps ready in {time.perf_counter() - start:.1f} s (seed {args.seed})')
    if not args.raw_only:
        out = build_object_complete(root, strategy=args.strategy)
        print(f'{out}: object-complete sweeps ready in {time.perf_counter() - start:.1f} s '
              f'(strategy {args.strategy})')


if __name__ == '__main__':
    main()
