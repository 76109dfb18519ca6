"""whisper.cpp's log-mel (src/whisper.cpp log_mel_spectrogram) in PyTorch, for one window: the
samples after a reflected 200-sample start and zeros up to the window and beyond, a periodic
Hann window of 400, hop 160, |FFT|^2 through the model file's mel filterbank, log10 of at least
1e-10, clamped to 8 below the maximum and mapped by (x + 4) / 4. whisper.cpp pads 30 s of zeros
and takes the maximum over the whole padded spectrogram; for audio shorter than the window the
frames past it are silence (-10), so the window's own maximum is the same."""
import struct

import numpy as np
import torch

N_FFT, HOP = 400, 160
HANN = 0.5 * (1.0 - torch.cos(2.0 * torch.pi * torch.arange(N_FFT, dtype=torch.float64) / N_FFT))


def read_filters(ggml_path):
    """The mel filterbank [n_mel][201] and the vocabulary (bytes) of a whisper.cpp model file."""
    b = open(ggml_path, "rb").read()
    hp = struct.unpack_from("<12i", b, 0)
    assert hp[0] == 0x67676D6C, "not a whisper.cpp model file"
    n_mel, n_fft = struct.unpack_from("<2i", b, 48)
    filters = np.frombuffer(b, np.float32, n_mel * n_fft, 56).reshape(n_mel, n_fft).copy()
    o = 56 + 4 * n_mel * n_fft
    n_tokens = struct.unpack_from("<i", b, o)[0]
    o += 4
    vocab = []
    for _ in range(n_tokens):
        n = struct.unpack_from("<i", b, o)[0]
        vocab.append(b[o + 4:o + 4 + n])
        o += 4 + n
    return filters, vocab


def log_mel(batch, filters, n_frames):
    """batch: list of 1-D float32 tensors (16 kHz, each shorter than the window);
    returns [b, n_mel, n_frames]."""
    n_samples = (n_frames - 1) * HOP + N_FFT
    padded = torch.zeros(len(batch), n_samples + N_FFT, dtype=torch.float32)
    for i, x in enumerate(batch):
        r = min(N_FFT // 2, len(x) - 1)
        padded[i, N_FFT // 2 - r:N_FFT // 2] = x[1:1 + r].flip(0)
        padded[i, N_FFT // 2:N_FFT // 2 + len(x)] = x
    frames = padded[:, :n_samples].unfold(1, N_FFT, HOP)[:, :n_frames]
    spec = torch.fft.rfft(frames * HANN.float(), dim=-1)
    power = spec.real ** 2 + spec.imag ** 2
    mel = torch.log10(torch.clamp(power @ torch.as_tensor(filters).T, min=1e-10))
    mx = mel.amax(dim=(1, 2), keepdim=True)
    mel = torch.maximum(mel, mx - 8.0)
    return ((mel + 4.0) / 4.0).transpose(1, 2).contiguous()
