// DecodeToPcm16k (ai/local.hpp): FFmpeg's demuxers and decoders read the AudioSource
// through an AVIOContext of our own (read and seek callbacks over AudioSource::ReadAt),
// so the audio never touches a file; libswresample turns each decoded frame into 16 kHz
// mono signed 16-bit. Only the demuxers of the containers browsers and recorders make
// are allowed (format_whitelist), so a crafted upload cannot reach FFmpeg's other ones.
//
// Wiping: the AVIOContext's buffer (plaintext container bytes) and our PCM buffer are
// wiped before they are freed; FFmpeg's internal packet and frame pools are freed by the
// library unwiped, in this process's memory only.
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ai/local.hpp"

namespace alcove::ai {
namespace {

constexpr int kOutRate = 16000;
constexpr int kIoBufferBytes = 64 * 1024;
// Demuxer short names (FFmpeg matches each of a demuxer's comma-separated names).
constexpr const char* kFormats = "matroska,webm,ogg,wav,mp3,mov,mp4,m4a,flac,aac";

std::string AvError(int rc) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(rc, buf, sizeof(buf));
  return buf;
}

// The AVIOContext's view of the source: a position and the first error ReadAt gave.
struct SourceCursor {
  AudioSource* audio = nullptr;
  std::uint64_t pos = 0;
  std::optional<Error> error;
};

int ReadPacket(void* opaque, std::uint8_t* buf, int size) {
  auto* c = static_cast<SourceCursor*>(opaque);
  auto n = c->audio->ReadAt(c->pos, std::span(buf, static_cast<std::size_t>(size)));
  if (!n) {
    c->error = n.error();
    return AVERROR(EIO);
  }
  if (*n == 0) {
    return AVERROR_EOF;
  }
  c->pos += *n;
  return static_cast<int>(*n);
}

std::int64_t Seek(void* opaque, std::int64_t offset, int whence) {
  auto* c = static_cast<SourceCursor*>(opaque);
  const auto size = static_cast<std::int64_t>(c->audio->size());
  whence &= ~AVSEEK_FORCE;
  if (whence == AVSEEK_SIZE) {
    return size;
  }
  std::int64_t to = 0;
  switch (whence) {
    case SEEK_SET:
      to = offset;
      break;
    case SEEK_CUR:
      to = static_cast<std::int64_t>(c->pos) + offset;
      break;
    case SEEK_END:
      to = size + offset;
      break;
    default:
      return AVERROR(EINVAL);
  }
  if (to < 0) {
    return AVERROR(EINVAL);
  }
  c->pos = static_cast<std::uint64_t>(to);
  return to;
}

// Owns what FFmpeg allocates for one decode; frees (and wipes what holds plaintext) in
// the right order however the decode ends.
struct Decode {
  SourceCursor cursor;
  AVIOContext* io = nullptr;
  AVFormatContext* format = nullptr;
  AVCodecContext* codec = nullptr;
  SwrContext* swr = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;
  std::vector<std::int16_t> pcm;

  ~Decode() {
    crypto::SecureZero(pcm.data(), pcm.capacity() * sizeof(std::int16_t));
    av_frame_free(&frame);
    av_packet_free(&packet);
    swr_free(&swr);
    avcodec_free_context(&codec);
    avformat_close_input(&format);  // leaves the custom io alone
    if (io != nullptr) {
      if (io->buffer != nullptr) {
        crypto::SecureZero(io->buffer, static_cast<std::size_t>(io->buffer_size));
      }
      av_freep(&io->buffer);
      avio_context_free(&io);
    }
  }
};

// kInvalidArgument naming what FFmpeg said, or the source's own error when a read failed.
std::unexpected<Error> Refuse(const Decode& d, std::string what, int rc) {
  if (d.cursor.error) {
    return std::unexpected(*d.cursor.error);
  }
  return Fail(ErrorCode::kInvalidArgument, fmt::format("audio: {}: {}", what, AvError(rc)),
              "The recording's audio could not be decoded.");
}

Status Open(Decode& d, AudioSource& audio) {
  // FFmpeg's own log goes to stderr and may quote the container's metadata: off.
  static std::once_flag quiet;
  std::call_once(quiet, [] { av_log_set_level(AV_LOG_QUIET); });
  d.cursor.audio = &audio;
  auto* buffer = static_cast<std::uint8_t*>(av_malloc(kIoBufferBytes));
  if (buffer == nullptr) {
    return Fail(ErrorCode::kInternal, "audio: out of memory");
  }
  d.io = avio_alloc_context(buffer, kIoBufferBytes, 0, &d.cursor, ReadPacket, nullptr, Seek);
  if (d.io == nullptr) {
    av_free(buffer);
    return Fail(ErrorCode::kInternal, "audio: out of memory");
  }
  d.format = avformat_alloc_context();
  if (d.format == nullptr) {
    return Fail(ErrorCode::kInternal, "audio: out of memory");
  }
  d.format->pb = d.io;
  d.format->flags |= AVFMT_FLAG_CUSTOM_IO;
  AVDictionary* options = nullptr;
  av_dict_set(&options, "format_whitelist", kFormats, 0);
  const int rc = avformat_open_input(&d.format, nullptr, nullptr, &options);
  av_dict_free(&options);
  if (rc < 0) {
    // avformat_open_input frees the context on failure.
    return Refuse(d, "not a container this build reads", rc);
  }
  if (const int info = avformat_find_stream_info(d.format, nullptr); info < 0) {
    return Refuse(d, fmt::format("{}: no stream information", d.format->iformat->name), info);
  }
  return {};
}

Result<int> OpenDecoder(Decode& d) {
  const AVCodec* decoder = nullptr;
  const int stream = av_find_best_stream(d.format, AVMEDIA_TYPE_AUDIO, -1, -1, &decoder, 0);
  if (stream < 0 || decoder == nullptr) {
    return Refuse(d, fmt::format("{}: no audio stream with a decoder", d.format->iformat->name),
                  stream < 0 ? stream : AVERROR_DECODER_NOT_FOUND);
  }
  d.codec = avcodec_alloc_context3(decoder);
  if (d.codec == nullptr) {
    return Fail(ErrorCode::kInternal, "audio: out of memory");
  }
  int rc = avcodec_parameters_to_context(d.codec, d.format->streams[stream]->codecpar);
  if (rc >= 0) {
    rc = avcodec_open2(d.codec, decoder, nullptr);
  }
  if (rc < 0) {
    return Refuse(d, fmt::format("{}: cannot open the decoder", decoder->name), rc);
  }
  return stream;
}

Status OpenResampler(Decode& d) {
  AVChannelLayout in_layout;
  if (d.codec->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || d.codec->ch_layout.nb_channels == 0) {
    av_channel_layout_default(&in_layout, std::max(1, d.codec->ch_layout.nb_channels));
  } else if (av_channel_layout_copy(&in_layout, &d.codec->ch_layout) < 0) {
    return Fail(ErrorCode::kInternal, "audio: out of memory");
  }
  AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
  int rc = swr_alloc_set_opts2(&d.swr, &mono, AV_SAMPLE_FMT_S16, kOutRate, &in_layout,
                               d.codec->sample_fmt, d.codec->sample_rate, 0, nullptr);
  av_channel_layout_uninit(&in_layout);
  if (rc >= 0) {
    rc = swr_init(d.swr);
  }
  if (rc < 0) {
    return Refuse(
        d, fmt::format("{}: cannot resample {} Hz", d.codec->codec->name, d.codec->sample_rate),
        rc);
  }
  return {};
}

// Resamples `frame` (null: what the resampler still holds) and hands it to `sink`.
Result<std::int64_t> Emit(Decode& d, const AVFrame* frame, const PcmSink& sink) {
  const int in = frame != nullptr ? frame->nb_samples : 0;
  const int room = swr_get_out_samples(d.swr, in);
  if (room < 0) {
    return Fail(ErrorCode::kInternal, "audio: resampler: " + AvError(room));
  }
  if (static_cast<std::size_t>(room) > d.pcm.size()) {
    crypto::SecureZero(d.pcm.data(), d.pcm.capacity() * sizeof(std::int16_t));
    d.pcm = std::vector<std::int16_t>(static_cast<std::size_t>(room));
  }
  auto* out = reinterpret_cast<std::uint8_t*>(d.pcm.data());
  const int n = swr_convert(
      d.swr, &out, room,
      frame != nullptr ? const_cast<const std::uint8_t**>(frame->extended_data) : nullptr, in);
  if (n < 0) {
    return Fail(ErrorCode::kInternal, "audio: resampler: " + AvError(n));
  }
  if (n > 0) {
    Status st = sink(std::span<const std::int16_t>(d.pcm.data(), static_cast<std::size_t>(n)));
    crypto::SecureZero(d.pcm.data(), static_cast<std::size_t>(n) * sizeof(std::int16_t));
    if (!st) {
      return std::unexpected(st.error());
    }
  }
  return n;
}

// Receives every frame the decoder has ready; counts the samples handed on.
Status Drain(Decode& d, const PcmSink& sink, std::int64_t& samples) {
  for (;;) {
    const int rc = avcodec_receive_frame(d.codec, d.frame);
    if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) {
      return {};
    }
    if (rc == AVERROR_INVALIDDATA) {
      continue;  // a damaged frame: skipped, as players do
    }
    if (rc < 0) {
      return Refuse(d, fmt::format("{}: decoding", d.codec->codec->name), rc);
    }
    auto n = Emit(d, d.frame, sink);
    av_frame_unref(d.frame);
    if (!n) {
      return std::unexpected(n.error());
    }
    samples += *n;
  }
}

std::unexpected<Error> Cancelled() { return Fail(ErrorCode::kConflict, "cancelled"); }

}  // namespace

Result<std::int64_t> DecodeToPcm16k(AudioSource& audio, const PcmSink& sink,
                                    const CallControl& control) {
  Decode d;
  ALCOVE_TRY(Open(d, audio));
  ALCOVE_TRY_ASSIGN(const int stream, OpenDecoder(d));
  ALCOVE_TRY(OpenResampler(d));
  d.packet = av_packet_alloc();
  d.frame = av_frame_alloc();
  if (d.packet == nullptr || d.frame == nullptr) {
    return Fail(ErrorCode::kInternal, "audio: out of memory");
  }
  // Progress by time when the container states its length, else by bytes read.
  const std::int64_t duration_us = d.format->duration;
  const auto size = static_cast<double>(std::max<std::uint64_t>(1, audio.size()));
  std::int64_t samples = 0;
  bool decoded_any = false;
  for (;;) {
    if (control.Cancelled()) {
      return Cancelled();
    }
    const int rc = av_read_frame(d.format, d.packet);
    if (rc == AVERROR_EOF) {
      break;
    }
    if (rc < 0) {
      if (d.cursor.error) {
        return std::unexpected(*d.cursor.error);
      }
      if (decoded_any) {
        break;  // a damaged tail: keep what decoded, as players do
      }
      return Refuse(d, fmt::format("{}: reading", d.format->iformat->name), rc);
    }
    if (d.packet->stream_index == stream) {
      const int sent = avcodec_send_packet(d.codec, d.packet);
      if (sent < 0 && sent != AVERROR_INVALIDDATA && sent != AVERROR(EAGAIN)) {
        av_packet_unref(d.packet);
        return Refuse(d, fmt::format("{}: decoding", d.codec->codec->name), sent);
      }
      const std::int64_t before = samples;
      Status drained = Drain(d, sink, samples);
      if (!drained) {
        av_packet_unref(d.packet);
        return std::unexpected(drained.error());
      }
      decoded_any = decoded_any || samples > before;
      control.Progress(duration_us > 0
                           ? std::min(1.0, static_cast<double>(samples) * 1e6 / kOutRate /
                                               static_cast<double>(duration_us))
                           : static_cast<double>(d.cursor.pos) / size);
    }
    av_packet_unref(d.packet);
  }
  avcodec_send_packet(d.codec, nullptr);
  ALCOVE_TRY(Drain(d, sink, samples));
  ALCOVE_TRY_ASSIGN(const std::int64_t tail, Emit(d, nullptr, sink));
  samples += tail;
  if (samples == 0) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("audio: {}: no audio decoded", d.format->iformat->name),
                "The recording's audio could not be decoded.");
  }
  return samples * 1000 / kOutRate;
}

}  // namespace alcove::ai
