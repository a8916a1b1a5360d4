// SPDX-License-Identifier: Apache-2.0
// Spec tests of the exposition parser: Prometheus text format 0.0.4 (prometheus/docs
// content/docs/instrumenting/exposition_formats.md) plus the OpenMetrics bits engines emit.
// Every accepted page is compared whole (families in page order, every sample); every rejected page
// names its exact line, column and message, and the column is checked against the text it points at.
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../../src/sources/exposition/parse.js';
import type { ExpositionPage, MetricType, Sample } from '../../../src/sources/exposition/types.js';

interface SampleView {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs?: number | undefined;
}

interface FamilyView {
  readonly name: string;
  readonly type: MetricType;
  readonly help?: string | undefined;
  readonly samples: readonly SampleView[];
}

/** Plain data for deep comparison (`toEqual` ignores undefined fields and treats NaN as NaN). */
function view(page: ExpositionPage): FamilyView[] {
  return [...page.families.values()].map((f) => ({
    name: f.name,
    type: f.type,
    help: f.help,
    samples: f.samples.map((s) => ({
      name: s.name,
      labels: { ...s.labels },
      value: s.value,
      timestampMs: s.timestampMs,
    })),
  }));
}

function parseOk(text: string): ExpositionPage {
  const result = parseExposition(text);
  if (!result.ok)
    throw new Error(`expected a page, got ${JSON.stringify(result.error)} for ${JSON.stringify(text)}`);
  return result.page;
}

function onlySample(text: string): Sample {
  const page = parseOk(text);
  const samples = [...page.families.values()].flatMap((f) => f.samples);
  expect(samples).toHaveLength(1);
  return samples[0]!;
}

const s = (
  name: string,
  labels: Record<string, string>,
  value: number,
  timestampMs?: number,
): SampleView => ({ name, labels, value, timestampMs });

const fam = (
  name: string,
  type: MetricType,
  help: string | undefined,
  samples: SampleView[],
): FamilyView => ({
  name,
  type,
  help,
  samples,
});

interface OkCase {
  readonly name: string;
  readonly input: string;
  readonly families: readonly FamilyView[];
}

describe('parseExposition: accepted pages', () => {
  const cases: OkCase[] = [
    // --- HELP / TYPE -------------------------------------------------------------------------
    {
      name: 'the format documentation example: HELP, TYPE, labels, integer millisecond timestamps',
      input: [
        '# HELP http_requests_total The total number of HTTP requests.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="post",code="200"} 1027 1395066363000',
        'http_requests_total{method="post",code="400"}    3 1395066363000',
        '',
      ].join('\n'),
      families: [
        fam('http_requests_total', 'counter', 'The total number of HTTP requests.', [
          s('http_requests_total', { method: 'post', code: '200' }, 1027, 1395066363000),
          s('http_requests_total', { method: 'post', code: '400' }, 3, 1395066363000),
        ]),
      ],
    },
    {
      name: 'HELP unescapes \\\\ and \\n and keeps any other backslash as written',
      input: '# HELP foo C:\\\\dir\\nline two \\t stays\n# TYPE foo gauge\nfoo 1\n',
      families: [fam('foo', 'gauge', 'C:\\dir\nline two \\t stays', [s('foo', {}, 1)])],
    },
    {
      name: 'HELP escapes are read left to right (\\\\n is a backslash then n)',
      input: '# HELP foo a\\\\nb\n',
      families: [fam('foo', 'untyped', 'a\\nb', [])],
    },
    {
      name: 'HELP text keeps quotes, backticks, #, = and ; and extra blanks after the name are skipped',
      input: '# HELP foo    Say "hi" to `x`; a = 1 # not a comment\n# TYPE foo gauge\nfoo 2\n',
      families: [fam('foo', 'gauge', 'Say "hi" to `x`; a = 1 # not a comment', [s('foo', {}, 2)])],
    },
    {
      name: 'HELP with no text is the empty string',
      input: '# HELP foo\n# TYPE foo gauge\nfoo 1\n',
      families: [fam('foo', 'gauge', '', [s('foo', {}, 1)])],
    },
    {
      name: 'TYPE before HELP, and tabs as separators in both',
      input: '# TYPE\tfoo\tcounter\n#\tHELP\tfoo\tthe help\nfoo 1\n',
      families: [fam('foo', 'counter', 'the help', [s('foo', {}, 1)])],
    },
    {
      name: 'every declared type is accepted',
      input: [
        '# TYPE a counter',
        '# TYPE b gauge',
        '# TYPE c histogram',
        '# TYPE d summary',
        '# TYPE e untyped',
        '# TYPE f unknown',
        '# TYPE g info',
        '# TYPE h stateset',
        '# TYPE i gaugehistogram',
        '',
      ].join('\n'),
      families: [
        fam('a', 'counter', undefined, []),
        fam('b', 'gauge', undefined, []),
        fam('c', 'histogram', undefined, []),
        fam('d', 'summary', undefined, []),
        fam('e', 'untyped', undefined, []),
        fam('f', 'unknown', undefined, []),
        fam('g', 'info', undefined, []),
        fam('h', 'stateset', undefined, []),
        fam('i', 'gaugehistogram', undefined, []),
      ],
    },
    {
      name: 'plain comments are ignored, including #HELPER, # EOFX and a bare #',
      input: '# just a comment\n#\n#HELPER foo x\n# EOFX\n# help foo lower-case is a comment\nfoo 1\n',
      families: [fam('foo', 'untyped', undefined, [s('foo', {}, 1)])],
    },
    {
      name: 'a comment line indented with blanks is a comment (first non-whitespace character is #)',
      input: '  # HELP foo indented help\n\t# just a comment\nfoo 1\n',
      families: [fam('foo', 'untyped', 'indented help', [s('foo', {}, 1)])],
    },
    // --- labels ------------------------------------------------------------------------------
    {
      name: 'label value escapes \\\\, \\" and \\n',
      input: 'foo{path="C:\\\\dir\\\\",quote="say \\"hi\\"",nl="a\\nb",all="\\\\\\"\\n"} 1\n',
      families: [
        fam('foo', 'untyped', undefined, [
          s('foo', { path: 'C:\\dir\\', quote: 'say "hi"', nl: 'a\nb', all: '\\"\n' }, 1),
        ]),
      ],
    },
    {
      name: 'label values holding / . - = , { } # and non-ASCII text are taken verbatim',
      input: 'foo{model="Qwen/Qwen3-0.6B",odd="a=b,c}{d} # e",text="Grüße 😀"} 1\n',
      families: [
        fam('foo', 'untyped', undefined, [
          s('foo', { model: 'Qwen/Qwen3-0.6B', odd: 'a=b,c}{d} # e', text: 'Grüße 😀' }, 1),
        ]),
      ],
    },
    {
      name: 'empty label value',
      input: 'foo{a=""} 1\n',
      families: [fam('foo', 'untyped', undefined, [s('foo', { a: '' }, 1)])],
    },
    {
      name: 'trailing comma in labels',
      input: 'foo{a="1",b="2",} 1\n',
      families: [fam('foo', 'untyped', undefined, [s('foo', { a: '1', b: '2' }, 1)])],
    },
    {
      name: 'spaces and tabs around every label token',
      input: 'foo{ a = "1" ,\tb\t=\t"2" , } 1\n',
      families: [fam('foo', 'untyped', undefined, [s('foo', { a: '1', b: '2' }, 1)])],
    },
    {
      name: 'empty braces and samples without labels',
      input: 'foo{} 1\nbar 2\n',
      families: [
        fam('foo', 'untyped', undefined, [s('foo', {}, 1)]),
        fam('bar', 'untyped', undefined, [s('bar', {}, 2)]),
      ],
    },
    {
      name: 'label names keep page order (le last as Dynamo writes it, or sorted as prometheus_client)',
      input: 'foo{z="1",le="0.5"} 1\nfoo{engine="0",le="0.5",model_name="m"} 2\n',
      families: [
        fam('foo', 'untyped', undefined, [
          s('foo', { z: '1', le: '0.5' }, 1),
          s('foo', { engine: '0', le: '0.5', model_name: 'm' }, 2),
        ]),
      ],
    },
    // --- metric names ------------------------------------------------------------------------
    {
      name: 'metric names with colons, including a leading colon',
      input:
        '# HELP vllm:num_requests_running Running.\n# TYPE vllm:num_requests_running gauge\n' +
        'vllm:num_requests_running{engine="0",model_name="Qwen/Qwen3-0.6B"} 3.0\n' +
        ':leading:colon 1\nlmcache:a_b:c9 2\n',
      families: [
        fam('vllm:num_requests_running', 'gauge', 'Running.', [
          s('vllm:num_requests_running', { engine: '0', model_name: 'Qwen/Qwen3-0.6B' }, 3),
        ]),
        fam(':leading:colon', 'untyped', undefined, [s(':leading:colon', {}, 1)]),
        fam('lmcache:a_b:c9', 'untyped', undefined, [s('lmcache:a_b:c9', {}, 2)]),
      ],
    },
    // --- values ------------------------------------------------------------------------------
    {
      name: 'NaN, +Inf, -Inf and their spellings',
      input: 'a NaN\nb +Inf\nc -Inf\nd Inf\ne nan\nf +inf\ng -inf\n',
      families: [
        fam('a', 'untyped', undefined, [s('a', {}, NaN)]),
        fam('b', 'untyped', undefined, [s('b', {}, Infinity)]),
        fam('c', 'untyped', undefined, [s('c', {}, -Infinity)]),
        fam('d', 'untyped', undefined, [s('d', {}, Infinity)]),
        fam('e', 'untyped', undefined, [s('e', {}, NaN)]),
        fam('f', 'untyped', undefined, [s('f', {}, Infinity)]),
        fam('g', 'untyped', undefined, [s('g', {}, -Infinity)]),
      ],
    },
    {
      name: 'scientific notation',
      input: 'a 8.128902e+06\nb 1.883227378129959e-05\nc 1E3\nd -2.5e-3\ne 1.7682643398898673e+09\n',
      families: [
        fam('a', 'untyped', undefined, [s('a', {}, 8128902)]),
        fam('b', 'untyped', undefined, [s('b', {}, 1.883227378129959e-5)]),
        fam('c', 'untyped', undefined, [s('c', {}, 1000)]),
        fam('d', 'untyped', undefined, [s('d', {}, -0.0025)]),
        fam('e', 'untyped', undefined, [s('e', {}, 1768264339.8898673)]),
      ],
    },
    {
      name: 'decimal forms: integers, .5, 5., signs, -0',
      input: 'a 36642\nb .5\nc 5.\nd +3\ne -0\nf 0.0016200000000000001\n',
      families: [
        fam('a', 'untyped', undefined, [s('a', {}, 36642)]),
        fam('b', 'untyped', undefined, [s('b', {}, 0.5)]),
        fam('c', 'untyped', undefined, [s('c', {}, 5)]),
        fam('d', 'untyped', undefined, [s('d', {}, 3)]),
        fam('e', 'untyped', undefined, [s('e', {}, -0)]),
        fam('f', 'untyped', undefined, [s('f', {}, 0.0016200000000000001)]),
      ],
    },
    // --- timestamps --------------------------------------------------------------------------
    {
      name: 'optional timestamps: none, integer milliseconds, negative milliseconds',
      input: 'a 1\nb 1 1395066363000\nc 1 -5\n',
      families: [
        fam('a', 'untyped', undefined, [s('a', {}, 1)]),
        fam('b', 'untyped', undefined, [s('b', {}, 1, 1395066363000)]),
        fam('c', 'untyped', undefined, [s('c', {}, 1, -5)]),
      ],
    },
    {
      name: 'OpenMetrics timestamps are float seconds, converted to milliseconds',
      input: 'a 1 1520879607.789\nb 2 1700000000.5\n',
      families: [
        fam('a', 'untyped', undefined, [s('a', {}, 1, 1520879607789)]),
        fam('b', 'untyped', undefined, [s('b', {}, 2, 1700000000500)]),
      ],
    },
    // --- _created and families without samples ---------------------------------------------------
    {
      name: 'OpenMetrics counter: _total and _created are samples of the one family',
      input: '# TYPE foo counter\nfoo_total{a="1"} 5\nfoo_created{a="1"} 1.7e9\n',
      families: [
        fam('foo', 'counter', undefined, [
          s('foo_total', { a: '1' }, 5),
          s('foo_created', { a: '1' }, 1.7e9),
        ]),
      ],
    },
    {
      name: 'histogram _created is grouped with its family',
      input:
        '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_count 2\nh_sum 3.5\nh_created 1.7e9\n',
      families: [
        fam('h', 'histogram', undefined, [
          s('h_bucket', { le: '1' }, 1),
          s('h_bucket', { le: '+Inf' }, 2),
          s('h_count', {}, 2),
          s('h_sum', {}, 3.5),
          s('h_created', {}, 1.7e9),
        ]),
      ],
    },
    {
      name: 'summary: quantiles, _sum, _count and _created in one family',
      input: '# TYPE rpc summary\nrpc{quantile="0.5"} 0.2\nrpc_sum 9\nrpc_count 30\nrpc_created 1.7e9\n',
      families: [
        fam('rpc', 'summary', undefined, [
          s('rpc', { quantile: '0.5' }, 0.2),
          s('rpc_sum', {}, 9),
          s('rpc_count', {}, 30),
          s('rpc_created', {}, 1.7e9),
        ]),
      ],
    },
    {
      name: 'prometheus_client 0.0.4: a _total counter family and its _created gauge family stay apart',
      input:
        '# HELP vllm:prompt_tokens_total Number of prefill tokens processed.\n' +
        '# TYPE vllm:prompt_tokens_total counter\n' +
        'vllm:prompt_tokens_total{engine="0"} 66.0\n' +
        '# HELP vllm:prompt_tokens_created Number of prefill tokens processed.\n' +
        '# TYPE vllm:prompt_tokens_created gauge\n' +
        'vllm:prompt_tokens_created{engine="0"} 1.768264339889982e+09\n',
      families: [
        fam('vllm:prompt_tokens_total', 'counter', 'Number of prefill tokens processed.', [
          s('vllm:prompt_tokens_total', { engine: '0' }, 66),
        ]),
        fam('vllm:prompt_tokens_created', 'gauge', 'Number of prefill tokens processed.', [
          s('vllm:prompt_tokens_created', { engine: '0' }, 1768264339.889982),
        ]),
      ],
    },
    {
      name: 'families with HELP/TYPE and no samples are kept with zero samples',
      input:
        '# HELP lmcache:kv_msg_queue_size The size of the KV message queue\n# TYPE lmcache:kv_msg_queue_size gauge\n' +
        '# HELP lmcache:remote_put_task_num The number of remote put tasks\n# TYPE lmcache:remote_put_task_num gauge\n' +
        '# TYPE only_type counter\n# HELP only_help just help\n' +
        '# TYPE lmcache:lookup_hit_rate gauge\nlmcache:lookup_hit_rate{worker_id="0"} 0.0\n',
      families: [
        fam('lmcache:kv_msg_queue_size', 'gauge', 'The size of the KV message queue', []),
        fam('lmcache:remote_put_task_num', 'gauge', 'The number of remote put tasks', []),
        fam('only_type', 'counter', undefined, []),
        fam('only_help', 'untyped', 'just help', []),
        fam('lmcache:lookup_hit_rate', 'gauge', undefined, [
          s('lmcache:lookup_hit_rate', { worker_id: '0' }, 0),
        ]),
      ],
    },
    // --- histogram sample orders -----------------------------------------------------------------
    {
      name: 'histogram in prometheus_client order: buckets, _count, _sum; labels sorted, le in the middle',
      input: [
        '# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.',
        '# TYPE vllm:time_to_first_token_seconds histogram',
        'vllm:time_to_first_token_seconds_bucket{engine="0",le="0.001",model_name="m"} 0.0',
        'vllm:time_to_first_token_seconds_bucket{engine="0",le="0.02",model_name="m"} 1.0',
        'vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="m"} 2.0',
        'vllm:time_to_first_token_seconds_count{engine="0",model_name="m"} 2.0',
        'vllm:time_to_first_token_seconds_sum{engine="0",model_name="m"} 0.4143967628479004',
        '',
      ].join('\n'),
      families: [
        fam('vllm:time_to_first_token_seconds', 'histogram', 'Histogram of time to first token in seconds.', [
          s('vllm:time_to_first_token_seconds_bucket', { engine: '0', le: '0.001', model_name: 'm' }, 0),
          s('vllm:time_to_first_token_seconds_bucket', { engine: '0', le: '0.02', model_name: 'm' }, 1),
          s('vllm:time_to_first_token_seconds_bucket', { engine: '0', le: '+Inf', model_name: 'm' }, 2),
          s('vllm:time_to_first_token_seconds_count', { engine: '0', model_name: 'm' }, 2),
          s('vllm:time_to_first_token_seconds_sum', { engine: '0', model_name: 'm' }, 0.4143967628479004),
        ]),
      ],
    },
    {
      name: 'histogram in SGLang multiprocess order: _sum first, then buckets, then _count',
      input: [
        '# HELP sglang:time_to_first_token_seconds Histogram of time to first token in seconds.',
        '# TYPE sglang:time_to_first_token_seconds histogram',
        'sglang:time_to_first_token_seconds_sum{model_name="m"} 0.30457592010498047',
        'sglang:time_to_first_token_seconds_bucket{le="0.1",model_name="m"} 0.0',
        'sglang:time_to_first_token_seconds_bucket{le="0.5",model_name="m"} 1.0',
        'sglang:time_to_first_token_seconds_bucket{le="+Inf",model_name="m"} 1.0',
        'sglang:time_to_first_token_seconds_count{model_name="m"} 1.0',
        '',
      ].join('\n'),
      families: [
        fam(
          'sglang:time_to_first_token_seconds',
          'histogram',
          'Histogram of time to first token in seconds.',
          [
            s('sglang:time_to_first_token_seconds_sum', { model_name: 'm' }, 0.30457592010498047),
            s('sglang:time_to_first_token_seconds_bucket', { le: '0.1', model_name: 'm' }, 0),
            s('sglang:time_to_first_token_seconds_bucket', { le: '0.5', model_name: 'm' }, 1),
            s('sglang:time_to_first_token_seconds_bucket', { le: '+Inf', model_name: 'm' }, 1),
            s('sglang:time_to_first_token_seconds_count', { model_name: 'm' }, 1),
          ],
        ),
      ],
    },
    {
      name: 'histogram from Dynamo\'s Rust exporter: le last, integers without .0, an le="0" bucket',
      input: [
        '# HELP dynamo_frontend_input_sequence_tokens Input sequence length in tokens',
        '# TYPE dynamo_frontend_input_sequence_tokens histogram',
        'dynamo_frontend_input_sequence_tokens_bucket{model="qwen/qwen3-0.6b",le="0"} 0',
        'dynamo_frontend_input_sequence_tokens_bucket{model="qwen/qwen3-0.6b",le="100"} 1',
        'dynamo_frontend_input_sequence_tokens_bucket{model="qwen/qwen3-0.6b",le="+Inf"} 1',
        'dynamo_frontend_input_sequence_tokens_sum{model="qwen/qwen3-0.6b"} 33',
        'dynamo_frontend_input_sequence_tokens_count{model="qwen/qwen3-0.6b"} 1',
        '',
      ].join('\n'),
      families: [
        fam('dynamo_frontend_input_sequence_tokens', 'histogram', 'Input sequence length in tokens', [
          s('dynamo_frontend_input_sequence_tokens_bucket', { model: 'qwen/qwen3-0.6b', le: '0' }, 0),
          s('dynamo_frontend_input_sequence_tokens_bucket', { model: 'qwen/qwen3-0.6b', le: '100' }, 1),
          s('dynamo_frontend_input_sequence_tokens_bucket', { model: 'qwen/qwen3-0.6b', le: '+Inf' }, 1),
          s('dynamo_frontend_input_sequence_tokens_sum', { model: 'qwen/qwen3-0.6b' }, 33),
          s('dynamo_frontend_input_sequence_tokens_count', { model: 'qwen/qwen3-0.6b' }, 1),
        ]),
      ],
    },
    {
      name: 'a histogram whose own name ends in _total (vllm:iteration_tokens_total)',
      input:
        '# TYPE vllm:iteration_tokens_total histogram\nvllm:iteration_tokens_total_bucket{le="+Inf"} 600.0\n' +
        'vllm:iteration_tokens_total_count 600.0\nvllm:iteration_tokens_total_sum 666.0\n',
      families: [
        fam('vllm:iteration_tokens_total', 'histogram', undefined, [
          s('vllm:iteration_tokens_total_bucket', { le: '+Inf' }, 600),
          s('vllm:iteration_tokens_total_count', {}, 600),
          s('vllm:iteration_tokens_total_sum', {}, 666),
        ]),
      ],
    },
    {
      name: 'a typed family collects its samples even after another family came in between',
      input: '# TYPE h histogram\n# TYPE g gauge\ng 1\nh_bucket{le="+Inf"} 2\nh_count 2\n',
      families: [
        fam('h', 'histogram', undefined, [s('h_bucket', { le: '+Inf' }, 2), s('h_count', {}, 2)]),
        fam('g', 'gauge', undefined, [s('g', {}, 1)]),
      ],
    },
    // --- untyped --------------------------------------------------------------------------------
    {
      name: 'untyped samples (no TYPE line) each form an untyped family named after the sample',
      input: 'foo 1\nfoo_total 2\nfoo_bucket{le="1"} 3\nfoo 4\n',
      families: [
        fam('foo', 'untyped', undefined, [s('foo', {}, 1), s('foo', {}, 4)]),
        fam('foo_total', 'untyped', undefined, [s('foo_total', {}, 2)]),
        fam('foo_bucket', 'untyped', undefined, [s('foo_bucket', { le: '1' }, 3)]),
      ],
    },
    // --- exemplars ------------------------------------------------------------------------------
    {
      name: 'OpenMetrics exemplars after the value (and after a timestamp) are ignored',
      input:
        '# TYPE h histogram\nh_bucket{le="0.5"} 3 # {trace_id="abc"} 0.43 1.6e9\n' +
        'h_bucket{le="+Inf"} 4 1700000000.5 # {trace_id="d\\"e"} 0.9\nh_count 4 #{}  1\n',
      families: [
        fam('h', 'histogram', undefined, [
          s('h_bucket', { le: '0.5' }, 3),
          s('h_bucket', { le: '+Inf' }, 4, 1700000000500),
          s('h_count', {}, 4),
        ]),
      ],
    },
    // --- layout -----------------------------------------------------------------------------------
    {
      name: 'blank lines (empty, spaces, tabs) anywhere are ignored',
      input: '\n\n# TYPE foo gauge\n\nfoo 1\n   \n\t\n \t \nbar 2\n\n\n',
      families: [
        fam('foo', 'gauge', undefined, [s('foo', {}, 1)]),
        fam('bar', 'untyped', undefined, [s('bar', {}, 2)]),
      ],
    },
    {
      name: 'CRLF line endings: HELP, TYPE, labels, value and timestamp lose the \\r',
      input: '# HELP foo The help.\r\n# TYPE foo gauge\r\nfoo{a="b"} 1\r\nfoo{a="c"} 2 1000\r\n\r\n# EOF\r\n',
      families: [fam('foo', 'gauge', 'The help.', [s('foo', { a: 'b' }, 1), s('foo', { a: 'c' }, 2, 1000)])],
    },
    {
      name: 'blanks between tokens: several spaces and tabs, leading and trailing',
      input: '  foo{a="1"} \t 7 \t 1000 \t\nbar\t8\n',
      families: [
        fam('foo', 'untyped', undefined, [s('foo', { a: '1' }, 7, 1000)]),
        fam('bar', 'untyped', undefined, [s('bar', {}, 8)]),
      ],
    },
    {
      name: 'no final newline',
      input: '# TYPE foo gauge\nfoo{a="b"} 0.0',
      families: [fam('foo', 'gauge', undefined, [s('foo', { a: 'b' }, 0)])],
    },
    { name: 'empty page', input: '', families: [] },
    { name: 'only blank lines and comments', input: '\n# hello\n\n', families: [] },
    // --- # EOF ----------------------------------------------------------------------------------
    {
      name: '# EOF ends the page',
      input: '# TYPE foo counter\nfoo_total 1\n# EOF\n',
      families: [fam('foo', 'counter', undefined, [s('foo_total', {}, 1)])],
    },
    {
      name: '# EOF without a final newline',
      input: 'foo 1\n# EOF',
      families: [fam('foo', 'untyped', undefined, [s('foo', {}, 1)])],
    },
  ];

  it.each(cases)('$name', ({ input, families }) => {
    const page = parseOk(input);
    expect(view(page)).toEqual(families);
    expect(page.sampleCount).toBe(families.reduce((n, f) => n + f.samples.length, 0));
  });
});

interface ErrorCase {
  readonly name: string;
  readonly input: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
  /** The text at (line, col): the error must point at the problem. '' means the end of the line. */
  readonly at: string;
}

describe('parseExposition: rejected pages name the line and column of the problem', () => {
  const cases: ErrorCase[] = [
    // --- label values ---------------------------------------------------------------------------
    {
      name: 'unterminated label value (newline inside): points at the opening quote',
      input: 'foo{a="b\n',
      line: 1,
      col: 7,
      message: 'unterminated label value',
      at: '"b',
    },
    {
      name: 'unterminated label value at the end of the input',
      input: '# TYPE foo gauge\nfoo{a="1"} 1\nfoo{a="bc',
      line: 3,
      col: 7,
      message: 'unterminated label value',
      at: '"bc',
    },
    {
      name: 'unterminated label value whose next quote is on a later line',
      input: 'foo{a="1"} 1\nfoo{a="2} 1\nfoo{a="3"} 1\n',
      line: 2,
      col: 7,
      message: 'unterminated label value',
      at: '"2} 1',
    },
    {
      name: 'invalid escape \\t in a label value: points at the backslash',
      input: 'foo{a="b\\tc"} 1\n',
      line: 1,
      col: 9,
      message: 'invalid escape in label value (allowed: \\\\, \\", \\n)',
      at: '\\tc',
    },
    {
      name: 'label value without quotes',
      input: 'foo{a=b} 1\n',
      line: 1,
      col: 7,
      message: 'expected a quoted value for label a',
      at: 'b}',
    },
    {
      name: 'label without =',
      input: 'foo{a"b"} 1\n',
      line: 1,
      col: 6,
      message: 'expected = after label a',
      at: '"b"',
    },
    {
      name: 'duplicate label name: points at the second one',
      input: 'foo{a="1",b="2",a="3"} 1\n',
      line: 1,
      col: 17,
      message: 'duplicate label a',
      at: 'a="3"',
    },
    {
      name: 'missing comma between labels',
      input: 'foo{a="b" c="d"} 1\n',
      line: 1,
      col: 11,
      message: 'expected , or } after a label value',
      at: 'c="d"',
    },
    {
      name: 'empty label list entry',
      input: 'foo{a="b",,} 1\n',
      line: 1,
      col: 11,
      message: 'expected a label name or }',
      at: ',}',
    },
    {
      name: 'label name starting with a digit',
      input: 'foo{1a="b"} 1\n',
      line: 1,
      col: 5,
      message: 'expected a label name or }',
      at: '1a',
    },
    {
      name: 'label name with a colon ([a-zA-Z_][a-zA-Z0-9_]* only)',
      input: 'foo{a:b="c"} 1\n',
      line: 1,
      col: 6,
      message: 'expected = after label a',
      at: ':b=',
    },
    {
      name: 'label block never closed',
      input: 'foo{a="b"',
      line: 1,
      col: 10,
      message: 'expected , or } after a label value',
      at: '',
    },
    // --- values and timestamps ------------------------------------------------------------------
    {
      name: 'missing value (name only)',
      input: 'foo 1\nfoo\n',
      line: 2,
      col: 4,
      message: 'sample foo has no value',
      at: '',
    },
    {
      name: 'missing value after labels',
      input: 'foo{a="b"}\n',
      line: 1,
      col: 11,
      message: 'sample foo has no value',
      at: '',
    },
    {
      name: 'missing value after a blank',
      input: 'foo \n',
      line: 1,
      col: 5,
      message: 'missing value',
      at: '',
    },
    {
      name: 'no blank before the value',
      input: 'foo{a="b"}1\n',
      line: 1,
      col: 11,
      message: 'expected a space before the value',
      at: '1',
    },
    {
      name: 'value 1_000',
      input: 'foo 1_000\n',
      line: 1,
      col: 5,
      message: 'invalid value "1_000"',
      at: '1_000',
    },
    {
      name: 'value 0x10',
      input: 'foo{a="b"} 0x10\n',
      line: 1,
      col: 12,
      message: 'invalid value "0x10"',
      at: '0x10',
    },
    {
      name: 'value that is a word',
      input: 'foo bar\n',
      line: 1,
      col: 5,
      message: 'invalid value "bar"',
      at: 'bar',
    },
    {
      name: 'bad timestamp',
      input: 'foo 1 abc\n',
      line: 1,
      col: 7,
      message: 'invalid timestamp "abc"',
      at: 'abc',
    },
    {
      name: 'NaN timestamp',
      input: 'foo 1 NaN\n',
      line: 1,
      col: 7,
      message: 'invalid timestamp "NaN"',
      at: 'NaN',
    },
    {
      name: 'a third token after value and timestamp',
      input: 'foo 1 2 3\n',
      line: 1,
      col: 9,
      message: 'unexpected "3" at end of line',
      at: '3',
    },
    {
      name: 'error on a CRLF line: the column ignores the \\r',
      input: 'foo 1\r\nbar x\r\n',
      line: 2,
      col: 5,
      message: 'invalid value "x"',
      at: 'x\r',
    },
    // --- HELP / TYPE ------------------------------------------------------------------------------
    {
      name: 'unknown TYPE: points at the type',
      input: '# TYPE foo bogus\n',
      line: 1,
      col: 12,
      message:
        'unknown metric type "bogus" for foo (expected counter, gauge, histogram, summary, untyped, unknown, info, stateset, gaugehistogram)',
      at: 'bogus',
    },
    {
      name: 'TYPE with no type',
      input: '# TYPE foo\n',
      line: 1,
      col: 11,
      message:
        'unknown metric type "" for foo (expected counter, gauge, histogram, summary, untyped, unknown, info, stateset, gaugehistogram)',
      at: '',
    },
    {
      name: 'second TYPE line for a family',
      input: '# TYPE foo gauge\nfoo 1\n# TYPE foo counter\n',
      line: 3,
      col: 3,
      message: 'second TYPE line for foo',
      at: 'TYPE foo counter',
    },
    {
      name: 'TYPE after the samples of its family',
      input: 'foo 1\n# TYPE foo gauge\n',
      line: 2,
      col: 3,
      message: 'TYPE line for foo after its samples',
      at: 'TYPE foo gauge',
    },
    {
      name: 'second HELP line for a family',
      input: '# HELP foo one\n# TYPE foo gauge\n# HELP foo two\n',
      line: 3,
      col: 3,
      message: 'second HELP line for foo',
      at: 'HELP foo two',
    },
    {
      name: 'HELP without a metric name',
      input: '# HELP \n',
      line: 1,
      col: 8,
      message: 'expected a metric name',
      at: '',
    },
    // --- garbage and # EOF ------------------------------------------------------------------------
    {
      name: 'garbage line',
      input: 'foo 1\n!!! not metrics\n',
      line: 2,
      col: 1,
      message: 'expected a metric name',
      at: '!!!',
    },
    {
      name: 'HTML error page',
      input: '<html><body>502 Bad Gateway</body></html>\n',
      line: 1,
      col: 1,
      message: 'expected a metric name',
      at: '<html>',
    },
    {
      name: 'content after # EOF on the same line',
      input: 'foo 1\n# EOF trailing\n',
      line: 2,
      col: 7,
      message: 'content after # EOF',
      at: 'trailing',
    },
    {
      name: 'content after # EOF on a later line: points at that content',
      input: 'foo 1\n# EOF\nbar 2\n',
      line: 3,
      col: 1,
      message: 'content after # EOF',
      at: 'bar 2',
    },
    {
      name: 'content after # EOF past blank lines: points at that content',
      input: 'foo 1\n# EOF\n\n  bar 2\n',
      line: 4,
      col: 3,
      message: 'content after # EOF',
      at: 'bar 2',
    },
  ];

  it.each(cases)('$name', ({ input, line, col, message, at }) => {
    const result = parseExposition(input);
    expect(result).toEqual({ ok: false, error: { line, col, message } });
    // The column is where the problem is: the text there is what the case says.
    const lineText = input.split('\n')[line - 1] ?? '';
    if (at === '') expect(lineText.slice(col - 1).replace(/\r$/, '')).toBe('');
    else expect(lineText.slice(col - 1, col - 1 + at.length)).toBe(at);
  });
});

describe('samples: labels built lazily', () => {
  const page = () =>
    parseOk(
      '# TYPE foo gauge\nfoo{a="1",b="x\\"y"} 1 1000\nfoo{a="2"} 2\nfoo 3\n# TYPE bar counter\nbar_total{c="\\\\"} 4\n',
    );

  it('the labels getter returns the same frozen object every time', () => {
    const sample = page().families.get('foo')!.samples[0]!;
    const first = sample.labels;
    const second = sample.labels;
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual({ a: '1', b: 'x"y' });
    expect(() => {
      (first as Record<string, string>).a = 'changed';
    }).toThrow(TypeError);
    expect(sample.labels.a).toBe('1');
  });

  it('a sample without labels has a frozen empty label set, the same object twice', () => {
    const sample = page().families.get('foo')!.samples[2]!;
    expect(sample.labels).toEqual({});
    expect(sample.labels).toBe(sample.labels);
    expect(Object.isFrozen(sample.labels)).toBe(true);
  });

  it('labels read in any order, long after parsing, are those of their own line', () => {
    const p = page();
    const foo = p.families.get('foo')!.samples;
    const bar = p.families.get('bar')!.samples;
    expect(bar[0]!.labels).toEqual({ c: '\\' });
    expect(foo[1]!.labels).toEqual({ a: '2' });
    expect(foo[0]!.labels).toEqual({ a: '1', b: 'x"y' });
  });

  it('JSON.stringify(sample) includes the labels', () => {
    const p = page();
    const [first, second] = p.families.get('foo')!.samples;
    expect(JSON.parse(JSON.stringify(first))).toEqual({
      name: 'foo',
      labels: { a: '1', b: 'x"y' },
      value: 1,
      timestampMs: 1000,
    });
    expect(JSON.stringify(second)).toBe('{"name":"foo","labels":{"a":"2"},"value":2}');
  });

  it('JSON.stringify of a whole family includes every sample with labels', () => {
    const bar = parseOk('# TYPE bar gauge\nbar{x="1"} 1\nbar{x="2"} 2\n').families.get('bar')!;
    expect(JSON.parse(JSON.stringify(bar))).toEqual({
      name: 'bar',
      type: 'gauge',
      samples: [
        { name: 'bar', labels: { x: '1' }, value: 1 },
        { name: 'bar', labels: { x: '2' }, value: 2 },
      ],
    });
  });

  it('label names that are Object.prototype keys (__proto__, constructor, toString) are kept', () => {
    const sample = onlySample('foo{__proto__="x",constructor="y",toString="z"} 1\n');
    expect(Object.entries(sample.labels)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
      ['toString', 'z'],
    ]);
    expect(JSON.stringify(sample)).toBe(
      '{"name":"foo","labels":{"__proto__":"x","constructor":"y","toString":"z"},"value":1}',
    );
  });
});
