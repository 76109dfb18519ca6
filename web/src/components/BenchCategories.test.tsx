// @vitest-environment jsdom
// The Benchmarks page's categories: the form offers the models of each (vision models for
// images, speech models typed or listed for audio), names the sizes in the category's unit
// and sends the category with the run; the results table shows the category's columns.
import { fireEvent, render, screen, within } from '@testing-library/react';
import { vi } from 'vitest';
import type { BenchRow } from '../api/bench';
import type { ModelInfo } from '../api/types';
import { BenchForm } from './BenchForm';
import { BenchCharts, BenchTable } from './BenchResults';

const MODELS: ModelInfo[] = [
  { id: 'llama-tiny', quant: 'Q8_0' },
  { id: 'gemma3-tiny', quant: 'Q8_0', capabilities: ['vision'] },
  { id: 'whisper-base', kind: 'speech' },
  { id: 'gpu/big', remote: true },
];

function offered(): string[] {
  return [...document.querySelectorAll('.bench-models label.check > span:first-of-type')].map((s) => s.textContent ?? '');
}

function row(over: Partial<BenchRow>): BenchRow {
  return {
    timestamp: '',
    run_id: 'r',
    hostname: 'vm',
    cpu_model: 'cpu',
    cpu_flags: '',
    isa: 'avx2',
    cores: 2,
    threads: 2,
    model: 'm',
    model_path: '/m',
    architecture: 'gemma3',
    quant: 'Q8_0',
    size_bytes: 1,
    params: 1,
    input_type: 'text',
    prompt_tokens: 0,
    generated_tokens: 8,
    repetitions: 2,
    load_ms: 12,
    ttft_ms: 40,
    ttft_ms_sd: 1,
    prefill_tps: 900,
    prefill_tps_sd: 0,
    decode_tps: 300,
    decode_tps_sd: 0,
    total_ms: 70,
    total_ms_sd: 0,
    peak_rss_bytes: 2 ** 20,
    cpu_seconds: 0.5,
    status: 'ok',
    error: '',
    ...over,
  };
}

describe('BenchForm categories', () => {
  it('offers each category its models and sizes and sends the category', () => {
    const onRun = vi.fn();
    render(<BenchForm usable={MODELS} defaultModel="gemma3-tiny" running={false} onRun={onRun} onCancel={() => {}} />);
    expect(offered()).toEqual(['llama-tiny', 'gemma3-tiny']);
    expect((screen.getByLabelText('Prompt sizes (tokens)') as HTMLInputElement).value).toBe('50, 100, 200');

    fireEvent.click(screen.getByRole('radio', { name: 'Images' }));
    expect(offered()).toEqual(['gemma3-tiny']);
    const px = screen.getByLabelText('Image sizes (px)') as HTMLInputElement;
    expect(px.value).toBe('256, 512, 1024');
    fireEvent.change(px, { target: { value: '256, 9000' } });
    expect(screen.getByText('“9000” is not an image size from 1 to 4096 px.')).toBeTruthy();
    fireEvent.change(px, { target: { value: '256, 768' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run benchmark' }));
    expect(onRun).toHaveBeenLastCalledWith({
      category: 'image',
      models: ['gemma3-tiny'],
      prompt_sizes: [256, 768],
      repetitions: 3,
      gen_tokens: 64,
    });

    fireEvent.click(screen.getByRole('radio', { name: 'Audio' }));
    expect(offered()).toEqual(['whisper-base']);
    expect((screen.getByLabelText('Clip lengths (s)') as HTMLInputElement).value).toBe('5, 10, 30');
    // Nothing picked yet: no run.
    expect((screen.getByRole('button', { name: 'Run benchmark' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText(/Speech models/), { target: { value: 'ggml-tiny, whisper-base ggml-tiny' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run benchmark' }));
    expect(onRun).toHaveBeenLastCalledWith(
      expect.objectContaining({ category: 'audio', models: ['ggml-tiny', 'whisper-base'], prompt_sizes: [5, 10, 30] }),
    );

    // The load sweep offers the remote models only, with its levels and requests.
    fireEvent.click(screen.getByRole('radio', { name: 'Load sweep (remote)' }));
    expect(offered()).toEqual(['gpu/big']);
    fireEvent.click(screen.getByRole('checkbox', { name: /gpu\/big/ }));
    const levels = screen.getByLabelText('Concurrency (clients)') as HTMLInputElement;
    expect(levels.value).toBe('1, 4, 16, 64');
    fireEvent.change(levels, { target: { value: '1, 300' } });
    expect(screen.getByText('“300” is not a number of clients from 1 to 256.')).toBeTruthy();
    fireEvent.change(levels, { target: { value: '2, 8' } });
    fireEvent.change(screen.getByLabelText('Requests per level'), { target: { value: '12' } });
    fireEvent.click(screen.getByRole('button', { name: 'Run benchmark' }));
    expect(onRun).toHaveBeenLastCalledWith({
      category: 'load',
      models: ['gpu/big'],
      prompt_sizes: [64],
      repetitions: 1,
      gen_tokens: 64,
      concurrency: [2, 8],
      requests: 12,
    });
  });
});

describe('load sweep results', () => {
  it('tables each level and charts the latency percentiles over the levels', () => {
    const level = (c: number, p50: number) =>
      row({
        model: 'gpu/big',
        quant: '',
        input_type: 'load',
        concurrency: c,
        requests: 8,
        failed_requests: 0,
        ttft_p50_ms: p50 / 4,
        ttft_p95_ms: p50 / 3,
        ttft_p99_ms: p50 / 2,
        latency_p50_ms: p50,
        latency_p95_ms: p50 * 1.5,
        latency_p99_ms: p50 * 2,
        throughput_tps: 10 * c,
      });
    const rows = [level(1, 100), level(4, 300)];
    render(
      <>
        <BenchTable rows={rows} />
        <BenchCharts rows={rows} />
      </>,
    );
    const table = screen.getByTestId('bench-results');
    expect(table.getAttribute('data-category')).toBe('load');
    const first = within(table).getAllByRole('row')[1] as HTMLElement;
    expect(within(first).getAllByRole('cell').map((c) => c.textContent)).toEqual([
      'gpu/big',
      '',
      '1',
      '8',
      '0',
      '25 / 33 / 50',
      '100 / 150 / 200',
      '300.0',
      '10.0',
    ]);
    const chart = screen.getByTestId('chart-load-latency');
    expect(chart.querySelectorAll('polyline')).toHaveLength(3);
    expect(chart.querySelectorAll('circle')).toHaveLength(6);
    expect(screen.getByTestId('chart-load-throughput').querySelectorAll('rect.bar')).toHaveLength(2);
  });
});

describe('BenchTable categories', () => {
  it('shows the image and audio columns with their figures', () => {
    render(
      <BenchTable
        rows={[
          row({ model: 'gemma3-tiny', input_type: 'image', image_px: 512, image_tokens: 16, encoder_ms: 3.25, prompt_tokens: 24 }),
          row({ model: 'whisper-tiny', input_type: 'audio', audio_seconds: 10, rtf: 0.125, rtf_sd: 0.002, total_ms: 1250 }),
          row({ model: 'broken', input_type: 'audio', status: 'failed', error: 'not a whisper file' }),
        ]}
      />,
    );
    const [image, audio] = screen.getAllByTestId('bench-results');
    const heads = (t: HTMLElement) => within(t).getAllByRole('columnheader').map((h) => h.textContent);
    expect(image?.getAttribute('data-category')).toBe('image');
    expect(heads(image as HTMLElement)).toEqual([
      'Model',
      'Quant',
      'Image px',
      'Image tokens',
      'Encoder ms',
      'TTFT ms',
      'Prefill t/s',
      'Decode t/s',
      'Peak RSS',
    ]);
    const cells = within(image as HTMLElement)
      .getAllByRole('cell')
      .map((c) => c.textContent);
    expect(cells.slice(0, 5)).toEqual(['gemma3-tiny', 'Q8_0', '512', '16', '3.3']);
    expect(heads(audio as HTMLElement)).toContain('RTF');
    const audioRows = within(audio as HTMLElement).getAllByRole('row');
    expect(audioRows).toHaveLength(3);
    expect(within(audioRows[1] as HTMLElement).getByText('0.125')).toBeTruthy();
    expect(audioRows[2]?.textContent).toContain('failed: not a whisper file');
  });
});
