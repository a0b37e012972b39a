"""Generate a synthetic re-ID dataset in exact Market-1501 layout and naming.

    python tools/make_synthetic_reid.py data/synthetic --preset small [--seed 0]
        [--style-seed 0] [--camera-strength 1] [--workers 2] [--overwrite]

Presets: tiny (tests), small (make demo), small_wide (the benchmark's test set), medium,
market (Market-1501's sizes at 256x128).
Any preset value can be overridden, e.g. --num-ids-train 200 --height 256 --width 128, and
so can how people meet the cameras: --camera-coverage 0.4 --walk-len 8 --split-walks 0.
"""
import argparse
import time

from mmcl_ice_plugin.datasets.synthetic import PRESETS, make_synthetic_reid, read_summary

OVERRIDABLE = ('num_ids_train', 'num_ids_test', 'num_cams', 'imgs_per_id_cam',
               'num_distractors', 'num_junk', 'height', 'width', 'camera_coverage', 'walk_len',
               'split_walks')
FLOATS = ('imgs_per_id_cam', 'camera_coverage', 'split_walks')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='output folder (receives bounding_box_train/, query/, '
                        'bounding_box_test/)')
    parser.add_argument('--preset', choices=sorted(PRESETS), default='small',
                        help='dataset size and resolution (default: small)')
    parser.add_argument('--seed', type=int, default=0, help='identities, poses, file names')
    parser.add_argument('--style-seed', type=int, default=0,
                        help='the domain: camera styles, scenes and clothing palette')
    parser.add_argument('--camera-strength', type=float, default=1.0,
                        help='scale of the per-camera colour cast, saturation, contrast and '
                        'lighting (0: neutral cameras, 1: moderate, the default; 2: strong)')
    parser.add_argument('--workers', type=int, default=0, help='drawing processes')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace a dataset already in ROOT')
    for key in OVERRIDABLE:
        kind = float if key in FLOATS else int
        parser.add_argument('--' + key.replace('_', '-'), type=kind, help='override the preset')
    args = parser.parse_args()

    params = dict(PRESETS[args.preset])
    params.update({k: getattr(args, k) for k in OVERRIDABLE if getattr(args, k) is not None})
    existing = read_summary(args.root)
    wanted = dict(params, seed=args.seed, style_seed=args.style_seed,
                  camera_strength=args.camera_strength)
    if existing is not None and not args.overwrite:
        same = all(existing.get(k) == v for k, v in wanted.items())
        print(f'{args.root} already holds a complete synthetic dataset'
              f'{"" if same else " with other parameters"} ({existing["train"]} train, '
              f'{existing["query"]} query, {existing["gallery"]} gallery images); '
              'use --overwrite to replace it.')
        return
    start = time.perf_counter()
    try:
        summary = make_synthetic_reid(args.root, seed=args.seed, style_seed=args.style_seed,
                                      camera_strength=args.camera_strength,
                                      num_workers=args.workers, overwrite=args.overwrite,
                                      progress=True, **params)
    except (FileExistsError, ValueError) as err:
        parser.error(str(err))
    seconds = time.perf_counter() - start
    files = summary['train'] + summary['query'] + summary['gallery'] + summary['junk']
    print(f"{args.root}: {summary['train']} train images of {summary['num_train_ids']} "
          f"identities, {summary['query']} query, {summary['gallery']} gallery "
          f"({summary['distractors']} distractors), {summary['num_train_cams']} cameras, "
          f"{summary['height']}x{summary['width']}, {summary['junk']} junk; "
          f"{files} files in {seconds:.1f} s ({files / seconds:.0f} images/s)")


if __name__ == '__main__':
    main()
