"""Image reading that fails loudly.

torchreid's ``read_image`` retries forever on an unreadable file; a training run would hang
without a word. :func:`read_image` raises at once with the path instead.
"""
from PIL import Image, UnidentifiedImageError


class UnreadableImageError(OSError):
    """An image file that cannot be decoded (missing, empty, truncated or not an image)."""


def read_image(path: str) -> Image.Image:
    """Read ``path`` as an RGB PIL image (grayscale, palette and RGBA images are converted).

    Args:
        path (str): The image file.

    Returns:
        PIL.Image.Image: The RGB image.

    Raises:
        UnreadableImageError: the file is missing, empty, truncated or not an image; the message
            names the file and the fix.
    """
    try:
        with Image.open(path) as img:
            img.load()
            return img.convert('RGB')
    except (OSError, UnidentifiedImageError, ValueError) as err:
        raise UnreadableImageError(
            f'Cannot read image {path!r} ({type(err).__name__}: {err}). The file is missing, '
            'empty, truncated or not an image: replace it with a valid JPEG/PNG or delete it '
            'from the dataset folder.') from err
