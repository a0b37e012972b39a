"""``ReIDDataset``: any torchreid image dataset by name, or a folder in Market-1501 layout."""
import glob
import os
import os.path as osp
import random
import re
import warnings
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import numpy as np
from PIL import Image
from torch.utils.data import Dataset
from torchreid.reid.data.datasets import __image_datasets as TORCHREID_IMAGE_DATASETS
from torchreid.reid.data.datasets.image.market1501 import Market1501

from ..registry import DATASETS
from ..utils.seeding import seed_global_rngs
from .colour_camstyle import apply_colour_map, camera_colour_statistics, colour_transfer_maps
from .image_io import read_image
from .transforms import build_pipeline

SPLITS = ('train', 'query', 'gallery', 'query+gallery')

MARKET_LAYOUT = """{root}/
    bounding_box_train/   0002_c1s1_000451_03.jpg ...  (pid_c<cam>s<seq>_<frame>_<box>.jpg)
    query/
    bounding_box_test/"""

# Where torchreid expects each dataset under its ``root`` (torchreid's own folder names).
TORCHREID_LAYOUTS = {
    'market1501': '{root}/market1501/Market-1501-v15.09.15/{{bounding_box_train,query,'
                  'bounding_box_test}}/  (or the three folders directly in {root}/market1501/)',
    'dukemtmcreid': '{root}/dukemtmc-reid/DukeMTMC-reID/{{bounding_box_train,query,'
                    'bounding_box_test}}/',
    'msmt17': '{root}/msmt17/MSMT17_V1/{{train,test,list_train.txt,list_val.txt,'
              'list_query.txt,list_gallery.txt}}  (MSMT17_V2 also accepted)',
    'cuhk03': '{root}/cuhk03/cuhk03_release/cuhk-03.mat  (+ cuhk03_new_protocol_config_*.mat)',
}


# torchreid's Market-1501 file-name pattern and the ranges its parser asserts.
MARKET_NAME = re.compile(r'([-\d]+)_c(\d)')
MARKET_NUM_CAMS = 6
MARKET_MAX_PID = 1501
# Files that image folders commonly hold besides the images; skipped without a warning.
SYSTEM_FILES = ('Thumbs.db', 'desktop.ini')


class _MarketFolder(Market1501):
    """torchreid's Market-1501 parser pointed at a folder that holds the three splits itself."""

    dataset_dir = ''


def _layout_hint(source: str, root: str) -> str:
    """A likely fix when ``root`` does not have the layout ``source`` expects."""
    if source != 'folder':
        if osp.isdir(osp.join(root, 'bounding_box_train')):
            return (f"\n{root} itself is a Market-1501 layout folder: set the config key "
                    "dataset.source='folder' to read it as it is.")
        return ''
    found = sorted(glob.glob(osp.join(glob.escape(root), '*', 'bounding_box_train')) +
                   glob.glob(osp.join(glob.escape(root), '*', '*', 'bounding_box_train')))
    if found:
        return (f'\nA Market-1501 layout folder is at {osp.dirname(found[0])}: set data_root '
                'to it.')
    return ''


def _missing(source: str, root: str, detail: str) -> FileNotFoundError:
    layout = (MARKET_LAYOUT.format(root=root) if source == 'folder' else
              TORCHREID_LAYOUTS.get(source, '{root}/<torchreid dataset_dir>/...').format(
                  root=root))
    hint = _layout_hint(source, root)
    return FileNotFoundError(
        f"Dataset '{source}' not found under data_root={root!r}: {detail}.{hint}\n"
        f'Expected layout:\n{layout}\n'
        'Fix: put the dataset there or set the config key data_root '
        '(train_dataloader.dataset.data_root / val_dataloader.dataset.data_root). '
        'Nothing is downloaded automatically.')


def check_market_folder(folder: str) -> None:
    """Check the image names of one split folder in Market-1501 layout.

    As torchreid's parser reads them: ``*.jpg`` files named ``<pid>_c<cam>...``, cameras
    1..6, person ids 0..1501 (-1: junk, skipped).

    Other files are skipped, as torchreid does, with a warning naming them; hidden files and
    ``Thumbs.db`` / ``desktop.ini`` (Market-1501 ships a ``Thumbs.db`` in each folder) without
    one. Raises ``ValueError`` naming the first offending file (torchreid would fail with an
    empty ``AssertionError`` or an ``AttributeError``) and the fix.

    Args:
        folder (str): The split folder (``bounding_box_train``, ``query`` or
            ``bounding_box_test``).
    """
    names = sorted(n for n in os.listdir(folder) if not n.startswith('.'))
    images = [n for n in names if n.endswith('.jpg')]
    if not images:
        raise ValueError(f'{folder} holds no .jpg image: every split of a Market-1501 '
                         'layout folder needs images (config key dataset.data_root).')
    others = [n for n in names if not n.endswith('.jpg') and n not in SYSTEM_FILES]
    if others:
        warnings.warn(f'{folder}: skipping {len(others)} entries that are not .jpg images '
                      f'({", ".join(others[:3])}{", ..." if len(others) > 3 else ""}); a '
                      'Market-1501 layout folder is read as *.jpg only.', stacklevel=2)
    fix = ('Rename or remove the file: Market-1501 names are <pid>_c<cam>s<seq>_<frame>_<box>'
           '.jpg, e.g. 0002_c1s1_000451_03.jpg, with cameras c1..c6 and person ids 0..1501 '
           '(-1 marks a junk image).')
    matches = [MARKET_NAME.search(n) for n in images]
    unnamed = [n for n, m in zip(images, matches)
               if m is None or not re.fullmatch(r'-?\d+', m[1])]
    if unnamed:
        raise ValueError(f'{osp.join(folder, unnamed[0])} does not follow the Market-1501 '
                         f'naming ({len(unnamed)} such file(s) in {folder}). {fix}')
    pids = np.array([int(m[1]) for m in matches])
    cams = np.array([int(m[2]) for m in matches])
    bad_cam = (cams < 1) | (cams > MARKET_NUM_CAMS)
    bad_pid = (pids < -1) | (pids > MARKET_MAX_PID)
    wrong = np.flatnonzero(bad_cam | bad_pid)
    if wrong.size:
        first = wrong[0]
        what = (f'camera id c{cams[first]} is out of range 1..{MARKET_NUM_CAMS}'
                if bad_cam[first] else
                f'person id {pids[first]} is out of range -1..{MARKET_MAX_PID}')
        raise ValueError(f'{osp.join(folder, images[first])}: {what} ({wrong.size} such '
                         f'file(s) in {folder}). {fix}')


def load_torchreid_splits(source: str, data_root: str) -> Tuple[list, list, list]:
    """Parse a dataset with torchreid's own parser.

    Fails at once, with the expected layout, when the folder is missing (torchreid would
    otherwise try to download it), and names the offending file of a ``'folder'`` split
    (:func:`check_market_folder`).

    Args:
        source (str): A torchreid image dataset name, or ``'folder'`` for a
            Market-1501-layout folder.
        data_root (str): torchreid's ``root``, or the folder itself for ``'folder'``.

    Returns:
        tuple[list, list, list]: The train, query and gallery lists of
        ``(img_path, pid, camid, dsetid)``.
    """
    root = osp.abspath(osp.expanduser(data_root))
    if source == 'folder':
        cls = _MarketFolder
        for sub in ('bounding_box_train', 'query', 'bounding_box_test'):
            folder = osp.join(root, sub)
            if not osp.isdir(folder):
                raise _missing(source, root, f'{folder} does not exist')
            check_market_folder(folder)
    elif source in TORCHREID_IMAGE_DATASETS:
        cls = TORCHREID_IMAGE_DATASETS[source]
        if not osp.isdir(osp.join(root, cls.dataset_dir)):
            raise _missing(source, root, f'{osp.join(root, cls.dataset_dir)} does not exist')
    else:
        raise KeyError(
            f"Unknown dataset source {source!r} (config key dataset.source). Use 'folder' for a "
            f'Market-1501-layout folder or a torchreid name: {sorted(TORCHREID_IMAGE_DATASETS)}.')
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            parsed = cls(root=root, verbose=False)
    except RuntimeError as err:
        raise _missing(source, root, str(err) or 'torchreid could not parse it') from err
    except (AssertionError, AttributeError) as err:  # a file name torchreid cannot read
        raise ValueError(
            f"torchreid's '{source}' parser rejected a file under {root}: an image whose name "
            'does not follow the dataset\'s naming, or whose person or camera id is out of the '
            'dataset\'s range. Rename or remove such files, or read the folder with '
            "dataset.source='folder' (Market-1501 naming) to have the file named.") from err
    except IndexError as err:  # torchreid indexes the first item of each split
        raise ValueError(f"Dataset '{source}' at {root!r}: one of its splits (train, query, "
                         'gallery) holds no image; check the folders.') from err
    return parsed.train, parsed.query, parsed.gallery


@DATASETS.register_module()
class ReIDDataset(Dataset):
    """A re-identification image set with per-item ``index``, ``pid``, ``camid``.

    Items are sorted by path inside each split, so an ``index`` means the same image on every
    machine. ``pid`` is the ground truth (torchreid relabels train pids to 0..K-1); unsupervised
    methods use it only for monitoring. Each item is a dict ``{img, index, pid, camid, is_query}``
    where ``img`` is one tensor or a list of views.

    The index may also be a pair ``(index, item_seed)`` (``ResumableEpochLoop`` passes these):
    the item's random draws (augmentation, CamStyle choice) then come from ``item_seed``, so
    they do not depend on which dataloader worker loads it.

    Args:
        data_root (str): For a torchreid ``source``, torchreid's ``root`` (the folder that
            holds e.g. ``market1501/``); for ``source='folder'``, the folder holding
            ``bounding_box_train/``, ``query/`` and ``bounding_box_test/``.
        source (str): A torchreid image dataset name (``market1501``, ``dukemtmcreid``,
            ``msmt17``, ``cuhk03``, ...) or ``'folder'``. Defaults to ``'folder'``.
        split (str): ``'train'``, ``'query'``, ``'gallery'`` or ``'query+gallery'`` (queries
            first). Defaults to ``'train'``.
        pipeline (dict | list | Callable, optional): Transform config (see
            :func:`build_pipeline`); None returns PIL images. Defaults to None.
        camstyle (bool | str): CamStyle augmentation (Zhong et al., CVPR 2018; train split
            only): each item is shown, with probability ``camstyle_prob``, as a uniformly
            drawn other camera would have taken it. ``True`` or ``'gan'``: MMCL's
            GAN-translated copies ``<stem>_fake_<src>to<dst>.jpg`` in the folder
            ``bounding_box_train_camstyle/`` beside ``bounding_box_train/``. ``'colour'``: no
            GAN, the image's colours carried to the other camera's colour statistics
            (:mod:`.colour_camstyle`, measured on the training images at start-up).
            Defaults to False.
        camstyle_prob (float, optional): Probability of the CamStyle replacement; None for
            (C-1)/C, C the number of cameras (the authors' choice for the GAN copies).
            Defaults to None.
    """

    accepts_item_seeds = True

    def __init__(self, data_root: str, source: str = 'folder', split: str = 'train',
                 pipeline: Optional[Union[dict, list, Callable]] = None,
                 camstyle: Union[bool, str] = False,
                 camstyle_prob: Optional[float] = None) -> None:
        if split not in SPLITS:
            raise ValueError(f'Unknown split {split!r} (config key dataset.split); '
                             f'choose one of {SPLITS}.')
        self.data_root = data_root
        self.source = source
        self.split = split
        train, query, gallery = load_torchreid_splits(source, data_root)
        parts: Dict[str, list] = {'train': train, 'query': query, 'gallery': gallery}
        records: List[Tuple[str, int, int, bool]] = []
        for name in split.split('+'):
            items = sorted(parts[name], key=lambda r: r[0])
            records += [(r[0], int(r[1]), int(r[2]), name == 'query') for r in items]
        if not records:
            raise ValueError(f"Split '{split}' of dataset '{source}' at {data_root!r} holds no "
                             'image: check the folder (config key dataset.split).')
        self.img_paths = [r[0] for r in records]
        self.pids = np.array([r[1] for r in records], dtype=np.int64)
        self.camids = np.array([r[2] for r in records], dtype=np.int64)
        self.is_query = np.array([r[3] for r in records], dtype=bool)
        self.pipeline = build_pipeline(pipeline) if pipeline is not None else None
        self.camstyle = self._camstyle_mode(camstyle)
        if camstyle_prob is not None and not 0 <= camstyle_prob <= 1:
            raise ValueError(f'camstyle_prob must be in 0..1, got {camstyle_prob} (config key '
                             'dataset.camstyle_prob).')
        self.camstyle_prob = ((self.num_cams - 1) / self.num_cams if camstyle_prob is None
                              else float(camstyle_prob))
        self.camstyle_dir = self._camstyle_dir() if self.camstyle == 'gan' else None
        self.colour_maps = None
        if self.camstyle == 'colour':
            means, covs = camera_colour_statistics(self.img_paths, self.camids, self.num_cams)
            self.colour_maps = colour_transfer_maps(means, covs)

    def __len__(self) -> int:
        return len(self.img_paths)

    @property
    def num_cams(self) -> int:
        """Number of cameras (largest camera id + 1)."""
        return int(self.camids.max()) + 1

    @property
    def num_pids(self) -> int:
        """Number of distinct identities."""
        return len(np.unique(self.pids))

    def _camstyle_mode(self, camstyle: Union[bool, str]) -> Optional[str]:
        """``None``, ``'gan'`` or ``'colour'`` from the ``camstyle`` argument."""
        modes = {False: None, True: 'gan', 'gan': 'gan', 'colour': 'colour'}
        if isinstance(camstyle, (bool, str)) and camstyle in modes:
            mode = modes[camstyle]
        else:
            raise ValueError(f'camstyle must be False, True, \'gan\' or \'colour\', got '
                             f'{camstyle!r} (config key dataset.camstyle).')
        if mode is not None and self.split != 'train':
            raise ValueError(f'camstyle applies to the train split, not {self.split!r} '
                             '(config key dataset.camstyle).')
        return mode

    def _camstyle_dir(self) -> str:
        folder = osp.join(osp.dirname(osp.dirname(self.img_paths[0])),
                          'bounding_box_train_camstyle')
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'camstyle=True but {folder} does not exist: generate the CamStyle images '
                '(<stem>_fake_<src>to<dst>.jpg) there or set dataset.camstyle=False.')
        return folder

    def _other_camera(self, index: int) -> Optional[int]:
        """With CamStyle, a uniformly drawn camera other than item ``index``'s (0-based) with
        probability ``camstyle_prob``; else None."""
        if self.camstyle is None or self.num_cams < 2 or random.random() >= self.camstyle_prob:
            return None
        src = int(self.camids[index])
        return random.choice([c for c in range(self.num_cams) if c != src])

    def image_path(self, index: int) -> str:
        """The file to read for item ``index`` (int): with GAN CamStyle, a random
        camera-translated copy with probability ``camstyle_prob``."""
        path = self.img_paths[index]
        dst = self._other_camera(index) if self.camstyle == 'gan' else None
        if dst is None:
            return path
        stem = osp.splitext(osp.basename(path))[0]
        return osp.join(self.camstyle_dir,
                        f'{stem}_fake_{int(self.camids[index]) + 1}to{dst + 1}.jpg')

    def load_image(self, index: int) -> Any:
        """Read the image of item ``index`` (int) as an RGB PIL image, in another camera's
        colours with probability ``camstyle_prob`` under colour CamStyle."""
        img = read_image(self.image_path(index))
        dst = self._other_camera(index) if self.camstyle == 'colour' else None
        if dst is None:
            return img
        colour_map = self.colour_maps[int(self.camids[index]), dst]
        return Image.fromarray(apply_colour_map(np.asarray(img), colour_map))

    def __getitem__(self, index: Union[int, Tuple[int, int]]) -> Dict[str, Any]:
        """Item ``index``, or ``(index, item_seed)``, as ``{img, index, pid, camid, is_query}``."""
        if isinstance(index, tuple):
            index, item_seed = index
            seed_global_rngs(item_seed)
        img = self.load_image(index)
        if self.pipeline is not None:
            img = self.pipeline(img)
        return dict(img=img, index=index, pid=int(self.pids[index]),
                    camid=int(self.camids[index]), is_query=bool(self.is_query[index]))
