"""Photos carry no metadata: EXIF (GPS position, Artist, Make), XMP and comments are removed on upload with the
orientation applied, and neither the stored photo nor the published deck and PDF contain them."""
from __future__ import annotations

import io
import shutil
import zipfile

import pytest
from PIL import Image

from kpi.domain.initiatives import InitiativeInput
from kpi.io import photos as photos_io
from kpi.services import initiatives, publishing
from kpi.services.initiatives import PhotoUpload
from tests.publish.test_initiatives_outputs import EDITOR1, REVIEWER

MAKE, ARTIST, MODEL = "SecretCamMake", "Yamada Taro Artist", "SecretModel-X1"
GPS_IFD, EXIF_IFD = 0x8825, 0x8769
MARKERS = (MAKE.encode(), ARTIST.encode(), MODEL.encode(), b"Exif\x00\x00", b"secret-xmp", b"taken at home")


def tagged_jpeg() -> bytes:
    """A 60×40 JPEG shot 'rotated' (Orientation 6: to be shown turned 90°), with GPS, Make, Artist, XMP, comment."""
    im = Image.new("RGB", (60, 40), "red")
    im.paste(Image.new("RGB", (20, 40), "blue"), (0, 0))
    exif = Image.Exif()
    exif[0x010F] = MAKE  # Make
    exif[0x0110] = MODEL  # Model
    exif[0x013B] = ARTIST  # Artist
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (35.0, 36.0, 18.0), 3: "E", 4: (140.0, 7.0, 24.0)})
    out = io.BytesIO()
    im.save(out, "JPEG", exif=exif, comment=b"taken at home", xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>")
    return out.getvalue()


def tagged_png() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Artist", ARTIST)
    info.add_text("Make", MAKE)
    exif = Image.Exif()
    exif[0x010F] = MAKE
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "green").save(out, "PNG", pnginfo=info, exif=exif)
    return out.getvalue()


def assert_clean(content: bytes) -> None:
    for marker in MARKERS:
        assert marker not in content, marker
    with Image.open(io.BytesIO(content)) as im:
        assert dict(im.getexif()) == {} and not im.getexif().get_ifd(GPS_IFD)
        assert "exif" not in im.info and "xmp" not in im.info and "comment" not in im.info


def test_the_test_photos_do_carry_the_metadata():
    for content in (tagged_jpeg(), tagged_png()):
        assert MAKE.encode() in content


@pytest.mark.parametrize("make", [tagged_jpeg, tagged_png])
def test_upload_strips_exif_and_applies_the_orientation(make):
    stored = initiatives.checked_photo(PhotoUpload("photo", make(), "説明"))
    assert_clean(stored["content"])
    with Image.open(io.BytesIO(stored["content"])) as im:
        size = im.size
    assert (stored["width"], stored["height"]) == size
    if make is tagged_jpeg:
        assert size == (40, 60)  # turned upright: the 60×40 picture stands as the camera meant it
        with Image.open(io.BytesIO(stored["content"])) as im:
            top_left = im.convert("RGB").getpixel((35, 2))  # the blue band is now on top after turning
        assert top_left[2] > 150 and top_left[0] < 100


def test_a_photo_without_metadata_keeps_its_exact_bytes():
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "green").save(out, "PNG")
    assert photos_io.clean(out.getvalue())[0] == out.getvalue()


def test_the_published_deck_and_pdf_carry_no_photo_metadata(demo_db_template, tmp_path):
    path = tmp_path / "kpi.duckdb"
    shutil.copy(demo_db_template, path)
    raw = InitiativeInput("ONLINE", "電子申請で利用できる手続を拡大", "本年1月時点", ("押印の見直しと一体で推進",),
                          "利用可能な手続件数", "2,100件", "件", "1,300件", "previous_year")
    s = initiatives.save(EDITOR1, 2022, "GYOKAKU", raw, db=path, photos=[
        PhotoUpload("現場.jpg", tagged_jpeg(), "現場の様子"), PhotoUpload("画面.png", tagged_png(), "画面")])
    v = initiatives.submit(EDITOR1, s.initiative_id, s.version, db=path)
    initiatives.approve(REVIEWER, s.initiative_id, v, db=path)
    edition = publishing.publish(REVIEWER, 2022, db=path, interim=True)  # FY2022 is open: a 速報版
    deck = next(content for name, content in edition.files.items() if name.endswith(".pptx"))
    with zipfile.ZipFile(io.BytesIO(deck)) as z:
        media = [z.read(n) for n in z.namelist() if n.startswith("ppt/media/")]
    assert len(media) >= 2
    for content in media:
        assert_clean(content)
    pdf = next(content for name, content in edition.files.items() if name.endswith(".pdf"))
    for marker in MARKERS:
        assert marker not in pdf
