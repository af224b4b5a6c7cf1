import { useState } from 'react';
import { LANES, MAX_TEXTS_PER_CALL, VARIANTS, type EmbedResultDTO, type Lane, type ValidationReportDTO, type Variant } from '../../../shared/contract';
import { EmbeddingModelInput } from '../components/EmbeddingModelInput';
import { ErrorPanel } from '../components/ErrorPanel';
import { HealthBadge } from '../components/HealthBadge';
import { SimilarityHeatmap } from '../components/SimilarityHeatmap';
import type { ErrorDTO } from '../../../shared/errors';
import { useInferenceStore, validationKey } from '../stores/inference-store';
import { useSettingsStore } from '../stores/settings-store';

/** The heat map is for comparing a handful of texts; past this many it would be unreadable (and slow). */
const MAX_MATRIX_TEXTS = 40;
/** Rows of the per-text table; the figures above still cover every text. */
const MAX_TEXT_ROWS = 500;
const FIRST_VALUES = 6;

/** One text per line; blank lines at the end are dropped, others are sent so the core names them. */
function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines;
}

/** `texts[2]` in the core's answer is line 3 of the box. */
const lineOf = (text: string): string => text.replace(/\btexts\[(\d+)\]/g, (_, n: string) => `line ${Number(n) + 1}`);

/** Blank lines among the texts, caught here so the message can say which line (the core refuses them too). */
function blankLineError(lines: string[]): ErrorDTO | null {
  const blank = lines.flatMap((l, i) => (l.trim() === '' ? [i + 1] : []));
  if (blank.length === 0) return null;
  const which = blank.length === 1 ? `Line ${blank[0]} is empty` : `Lines ${blank.join(', ')} are empty`;
  return { code: 'INVALID_INPUT', message: `${which}: every line is one text to embed.`, hint: 'Remove the empty lines or write a text on them.', retryable: false };
}

const ms = (n: number): string => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;

function TextRows({ result, texts }: { result: EmbedResultDTO; texts: string[] }): React.JSX.Element {
  const truncated = new Set(result.truncated);
  const shown = texts.slice(0, MAX_TEXT_ROWS);
  return (
    <>
      <table className="data-table" data-testid="embed-texts">
        <thead>
          <tr>
            <th>#</th>
            <th>Text</th>
            <th>Tokens</th>
            <th>Truncated</th>
            <th>Norm</th>
            <th>First values</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((text, i) => {
            const v = result.vectors[i];
            return (
              <tr key={i} data-testid={`embed-text-${i + 1}`}>
                <td>{i + 1}</td>
                <td className="text-cell" title={text}>
                  {text.length > 80 ? `${text.slice(0, 79)}…` : text}
                </td>
                <td>{result.tokens[i]}</td>
                <td>
                  {truncated.has(i) ? (
                    <span className="badge badge-truncated" data-testid="truncated" title={`Only the first ${result.maxSeqLength} tokens were embedded; split the text to embed all of it.`}>
                      truncated to {result.maxSeqLength} tokens
                    </span>
                  ) : (
                    <span className="muted">no</span>
                  )}
                </td>
                <td className="mono">{v ? Math.hypot(...v).toFixed(4) : '—'}</td>
                <td className="mono">
                  {v
                    ? `${v
                        .slice(0, FIRST_VALUES)
                        .map((x) => x.toFixed(4))
                        .join(', ')}${v.length > FIRST_VALUES ? ', …' : ''}`
                    : '—'}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {texts.length > shown.length && <p className="muted">{texts.length - shown.length} more texts not listed.</p>}
    </>
  );
}

function EmbedResultView({ result, texts }: { result: EmbedResultDTO; texts: string[] }): React.JSX.Element {
  const resolved = result.registryModel ? `${result.registryModel}@${result.version ?? '?'}` : result.model;
  return (
    <div className="embed-result" data-testid="embed-result">
      <h2>{resolved}</h2>
      <dl className="facts">
        <dt>Files</dt>
        <dd className="mono">
          {result.modelKey} <span className="badge">{result.variant}</span>
        </dd>
        <dt>Dimension</dt>
        <dd data-testid="embed-dimension">{result.dimension}</dd>
        <dt>Max length</dt>
        <dd>{result.maxSeqLength} tokens</dd>
        {result.configNotes.length > 0 && (
          <>
            <dt>Config notes</dt>
            <dd data-testid="embed-config-notes">
              {result.configNotes.map((n) => (
                <div key={n} className="muted">
                  {n}
                </div>
              ))}
            </dd>
          </>
        )}
        <dt>Execution provider</dt>
        <dd>
          <span data-testid="embed-provider">{result.executionProvider}</span>
          {result.executionProvider === 'cache' && <span className="muted"> (every vector came from the embedding cache; no model ran)</span>}
          {result.fallbackReason && (
            <div className="warn-text" data-testid="embed-fallback">
              Fell back: {result.fallbackReason}
            </div>
          )}
        </dd>
        <dt>Timings</dt>
        <dd data-testid="embed-timings">
          total {ms(result.timings.totalMs)} · queue {ms(result.timings.queueMs)} · inference {ms(result.timings.inferenceMs)}
        </dd>
        <dt>Cache</dt>
        <dd data-testid="embed-cache">
          {result.cache.hits} hits · {result.cache.misses} misses
        </dd>
      </dl>
      <h3>Texts</h3>
      <TextRows result={result} texts={texts} />
      <h3>Similarity</h3>
      {texts.length > MAX_MATRIX_TEXTS ? (
        <p className="muted">The similarity matrix is drawn for up to {MAX_MATRIX_TEXTS} texts; this run has {texts.length}.</p>
      ) : result.vectors.length === texts.length ? (
        <SimilarityHeatmap texts={texts} vectors={result.vectors} />
      ) : (
        <p className="muted">No vectors came back to compare.</p>
      )}
    </div>
  );
}

function ValidationView({ report }: { report: ValidationReportDTO }): React.JSX.Element {
  return (
    <div className="validation" data-testid="validation-report">
      <h2>
        Validation of {report.registryModel ? `${report.registryModel}@${report.version ?? '?'}` : report.model} <HealthBadge report={report} />
      </h2>
      <p className="muted">
        {report.dimension ? `${report.dimension} dims` : 'dimension unknown'} on {report.executionProvider ?? 'no provider'} · {report.checkedAt.replace('T', ' ').slice(0, 19)}
      </p>
      <table className="data-table">
        <thead>
          <tr>
            <th>Check</th>
            <th>Result</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {report.checks.map((c) => (
            <tr key={c.name} data-testid={`check-${c.name}`}>
              <td>{c.name}</td>
              <td>
                <span className={c.ok ? (c.warning ? 'badge badge-warning' : 'badge badge-healthy') : 'badge badge-failed'}>{c.ok ? (c.warning ? 'warn' : 'ok') : 'FAIL'}</span>
              </td>
              <td className="detail-cell">{c.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function EmbeddingsPage(): React.JSX.Element {
  const { lastRun, embedding, embedError, lastValidation, validateError, validating, embed, validate, refuse } = useInferenceStore();
  const defaultModel = useSettingsStore((s) => s.view?.values.defaultEmbeddingModel ?? '');
  const [model, setModel] = useState(() => lastRun?.request.model ?? '');
  const [variant, setVariant] = useState<Variant | null>(() => lastRun?.request.variant ?? null);
  const [profile, setProfile] = useState<Lane>(() => lastRun?.request.profile ?? 'rt');
  const [text, setText] = useState(() => lastRun?.request.texts.join('\n') ?? '');
  const lines = splitLines(text);
  const modelToValidate = model.trim() || defaultModel;
  const isValidating = validating.includes(validationKey(modelToValidate, variant));

  return (
    <section className="page" aria-labelledby="embeddings-title">
      <h1 id="embeddings-title">Embeddings</h1>
      <p className="muted">Embed texts with a local model (one text per line) and compare them. Inference runs in a worker, off this window.</p>
      <form
        className="form form-wide"
        onSubmit={(e) => {
          e.preventDefault();
          const blank = blankLineError(lines);
          if (blank) refuse(blank);
          else void embed({ model: model.trim(), variant, profile, texts: lines });
        }}
      >
        <div className="row wrap">
          <label className="grow">
            Model
            <EmbeddingModelInput
              name="model"
              value={model}
              onValueChange={setModel}
              placeholder={defaultModel ? `${defaultModel} (default)` : 'registry name, hf:org/name or a folder path'}
            />
          </label>
          <label>
            Variant
            <select name="variant" value={variant ?? ''} onChange={(e) => setVariant((e.target.value || null) as Variant | null)}>
              <option value="">any (fp32 first)</option>
              {VARIANTS.map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
          <label>
            Profile
            <select name="profile" value={profile} onChange={(e) => setProfile(e.target.value as Lane)}>
              {LANES.map((l) => (
                <option key={l} value={l}>
                  {l === 'rt' ? 'rt (interactive)' : 'bulk (batch)'}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label>
          Texts, one per line
          <textarea name="texts" rows={8} value={text} onChange={(e) => setText(e.target.value)} placeholder={'зарплата\nзаработная плата\nsalary\nweather forecast'} />
        </label>
        <div className="row">
          <button type="submit" disabled={embedding || lines.length === 0 || lines.length > MAX_TEXTS_PER_CALL}>
            {embedding ? 'Embedding…' : 'Embed'}
          </button>
          <button
            type="button"
            disabled={isValidating || !modelToValidate}
            title={modelToValidate ? `Run the validation checks on ${modelToValidate}` : 'Name a model (or set a default in Settings) to validate it'}
            onClick={() => void validate(modelToValidate, variant, true)}
          >
            {isValidating ? 'Validating…' : 'Validate'}
          </button>
          {(embedding || isValidating) && (
            <span className="busy" role="status">
              <span className="spinner" aria-hidden="true" />
              {embedding ? `Embedding ${lines.length} text${lines.length === 1 ? '' : 's'}…` : `Validating ${modelToValidate}…`}
            </span>
          )}
          {!embedding && !isValidating && (
            <span className="muted">
              {lines.length} text{lines.length === 1 ? '' : 's'}
              {lines.length > MAX_TEXTS_PER_CALL && ` (at most ${MAX_TEXTS_PER_CALL} per run)`}
            </span>
          )}
        </div>
      </form>
      {embedError && <ErrorPanel error={embedError} describePath={lineOf} />}
      {validateError && <ErrorPanel error={validateError} />}
      {lastRun && !embedError && lastRun.output.results.map((r) => <EmbedResultView key={r.modelKey} result={r} texts={lastRun.request.texts} />)}
      {lastValidation && <ValidationView report={lastValidation} />}
    </section>
  );
}
