"""For whom: the language tracks of a session and the AWS services that serve them, per region.

The host speaks one of the market's languages (the first one the host has, in the market's
order); every other market language gets a subtitle track (speech to text of the host, then
translation) and, where a synthetic voice exists, a dubbing track. Each track names the service
and the region it runs in: the market's own region when the service is offered there, else the
nearest listed region. Only the host's audio and text are processed there (no viewer data).

Documented table (``SERVICE_REGIONS``, ``*_LANGUAGES``): the team's record of the AWS regional
service lists and language pages for the markets' regions, November 2026. It is not read from
AWS at run time; re-check it against the service endpoint pages before relying on a new region.

| region | IVS | MediaLive | Transcribe streaming | Translate | Polly |
|---|---|---|---|---|---|
| ap-southeast-1 (sea) | no | yes | yes | yes | yes |
| me-central-1 (mena) | no | no | no | no | no |
| me-south-1 | no | no | yes | yes | yes |
| eu-central-1 (eu) | yes | yes | yes | yes | yes |
| us-west-2 (na) | yes | yes | yes | yes | yes |
| ap-northeast-1 (hq) | yes | yes | yes | yes | yes |
| ap-south-1 | yes | yes | yes | yes | yes |
| eu-west-1 | yes | yes | yes | yes | yes |
| us-east-1 | yes | yes | yes | yes | yes |

Languages: Transcribe streaming and Translate cover every market language here; Polly has voices
for ar, de, en, es, fr (not th, ms, id, vi: those get subtitles only).
"""

from __future__ import annotations

from dataclasses import dataclass

IVS, MEDIALIVE, TRANSCRIBE, TRANSLATE, POLLY = "ivs", "medialive", "transcribe", "translate", "polly"

SERVICE_REGIONS: dict[str, frozenset[str]] = {
    IVS: frozenset({"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-northeast-2",
                    "ap-south-1"}),
    MEDIALIVE: frozenset({"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1", "ap-northeast-2",
                          "ap-south-1", "ap-southeast-1", "ap-southeast-2", "sa-east-1"}),
    TRANSCRIBE: frozenset({"us-east-1", "us-east-2", "us-west-2", "ca-central-1", "eu-central-1", "eu-west-1",
                           "eu-west-2", "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1",
                           "ap-southeast-2", "me-south-1", "sa-east-1"}),
    TRANSLATE: frozenset({"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-central-1",
                          "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "ap-northeast-1", "ap-northeast-2",
                          "ap-south-1", "ap-southeast-1", "ap-southeast-2", "me-south-1"}),
    POLLY: frozenset({"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-central-1",
                      "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "ap-northeast-1", "ap-northeast-2",
                      "ap-south-1", "ap-southeast-1", "ap-southeast-2", "me-south-1", "sa-east-1"}),
}  # fmt: skip
TRANSCRIBE_LANGUAGES = frozenset({"ar", "de", "en", "es", "fr", "id", "ms", "th", "vi"})
TRANSLATE_LANGUAGES = frozenset({"ar", "de", "en", "es", "fr", "id", "ms", "th", "vi"})
POLLY_LANGUAGES = frozenset({"ar", "de", "en", "es", "fr"})

# Where a service missing in a region is used instead, nearest first (media only: host audio/text).
NEAREST: dict[str, tuple[str, ...]] = {
    "me-central-1": ("me-south-1", "ap-south-1", "eu-central-1"),
    "ap-southeast-1": ("ap-southeast-2", "ap-south-1", "ap-northeast-1"),
    "eu-central-1": ("eu-west-1", "eu-west-2"),
    "us-west-2": ("us-east-1", "us-east-2"),
    "ap-northeast-1": ("ap-northeast-2", "ap-southeast-1"),
}


def offered(service: str, region: str) -> bool:
    return region in SERVICE_REGIONS[service]


def serving_region(service: str, region: str) -> str | None:
    """The market's region if it offers ``service``, else the nearest listed one that does."""
    if offered(service, region):
        return region
    return next((r for r in NEAREST.get(region, ()) if offered(service, r)), None)


@dataclass(frozen=True)
class Track:
    """One audio or text track of a session."""

    language: str
    kind: str  # "host" | "subtitles" | "dubbing"
    services: tuple[str, ...]  # e.g. ("transcribe@ap-southeast-1", "translate@ap-southeast-1")
    note: str = ""


def _at(service: str, region: str) -> tuple[str | None, str]:
    where = serving_region(service, region)
    if where is None:
        return None, f"{service} not offered in or near {region}"
    return f"{service}@{where}", "" if where == region else f"{service} from {where} ({region} lacks it)"


def language_tracks(host_language: str, languages: tuple[str, ...], region: str) -> list[Track]:
    """The host's track, then subtitles and (where a voice exists) dubbing for the other languages."""
    tracks = [Track(host_language, "host", ())]
    transcribe, transcribe_note = _at(TRANSCRIBE, region)
    for language in languages:
        if language == host_language:
            continue
        if transcribe is None or host_language not in TRANSCRIBE_LANGUAGES:
            tracks.append(Track(language, "subtitles", (), transcribe_note or f"no speech to text for {host_language}"))
            continue
        translate, translate_note = _at(TRANSLATE, region)
        if translate is None or language not in TRANSLATE_LANGUAGES:
            tracks.append(Track(language, "subtitles", (), translate_note or f"no translation to {language}"))
            continue
        notes = "; ".join(n for n in (transcribe_note, translate_note) if n)
        tracks.append(Track(language, "subtitles", (transcribe, translate), notes))
        polly, polly_note = _at(POLLY, region)
        if polly is not None and language in POLLY_LANGUAGES:
            dub_note = "; ".join(n for n in (notes, polly_note) if n)
            tracks.append(Track(language, "dubbing", (transcribe, translate, polly), dub_note))
    return tracks
