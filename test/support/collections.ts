import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { Core } from '../../src/main/core/create-core';
import type { JobDTO, MethodInput } from '../../src/shared/contract';
import { MODEL_PRESETS } from '../../scripts/test-models/index';
import { testModel } from './embedding-models';
import { makeTempDir, openTestCore, removeDir } from './temp-home';

/** Registry model "tiny": 1.0.0 is the 32-d test model (current, production), 2.0.0 the 64-d one (staging). */
export async function registerTinyModels(core: Core): Promise<void> {
  await core.invoke('registry.upsertModel', { name: 'tiny', type: 'embedding', provider: 'local', source: { kind: 'path', path: testModel('tiny-32') } });
  await core.invoke('registry.registerVersion', { model: 'tiny', version: '1.0.0', status: 'production' });
  await core.invoke('registry.registerVersion', { model: 'tiny', version: '2.0.0', status: 'staging', source: { kind: 'path', path: testModel('tiny-64') } });
  await core.invoke('registry.setCurrent', { model: 'tiny', version: '1.0.0' });
}

/**
 * tiny@3.0.0: the 64-d model with position embeddings 30× stronger, so its vectors say more about a text's length
 * than its words. It still passes validation's probe pairs but finds a sampled query's own chunk far less often:
 * a deliberately worse B for quality-gate tests.
 */
export async function registerPoorModel(core: Core): Promise<void> {
  await core.invoke('registry.registerVersion', {
    model: 'tiny',
    version: '3.0.0',
    status: 'staging',
    source: { kind: 'path', path: testModel({ ...MODEL_PRESETS['tiny-64'], name: 'model-center/test-bert-poor-64', positionScale: 3 }) },
  });
}

const TOPICS = [
  'The salary payment is made every month on the first working day.',
  'The bank sends a message to the phone of the user with the amount of money.',
  'How to reset my password: open the login page and ask for a new password.',
  'The system sends an email with a link to restore the account.',
  'The weather forecast for tomorrow says rain in the morning and sun in the evening.',
  'Take a warm coat because the wind is cold in winter.',
  'The train to the airport leaves every hour from the city station.',
  'The hotel is near the airport and the ticket price is low.',
  'The database backup runs every night on the storage server.',
  'The team meeting starts at nine with coffee and tea.',
  'Зарплата приходит в первый рабочий день месяца.',
  'Банк отправляет сообщение на телефон пользователя.',
];

/** A deterministic document of `sentences` sentences in paragraphs of four, numbered so no two documents match. */
export function documentText(seed: number, sentences: number): string {
  const out: string[] = [];
  for (let i = 0; i < sentences; i++) {
    out.push(`${TOPICS[(seed * 7 + i * 5) % TOPICS.length]!.replace(/\.$/, '')} number ${seed}-${i}.`);
    if (i % 4 === 3) out.push('\n\n');
    else out.push(' ');
  }
  return out.join('').trim();
}

/** Writes `files` text documents into a folder; returns the folder. */
export function writeCorpus(dir: string, files: number, sentences = 12, firstSeed = 0): string {
  fs.mkdirSync(dir, { recursive: true });
  for (let f = firstSeed; f < firstSeed + files; f++) fs.writeFileSync(path.join(dir, `doc-${String(f).padStart(4, '0')}.txt`), documentText(f, sentences));
  return dir;
}

export async function importAndWait(core: Core, input: MethodInput<'collections.import'>): Promise<JobDTO> {
  const job = await core.invoke('collections.import', input);
  return core.jobs.waitForSettled(job.id);
}

export interface CollectionsHome {
  home: string;
  core: Core;
  /** A one-number query (count(*) and the like) on the test core's database. */
  count(sql: string, ...args: unknown[]): number;
}

/** A fresh data folder per test with the "tiny" models registered, closed and removed afterwards. */
export function useCollectionsHome(prefix: string): CollectionsHome {
  const t = {
    count: (sql: string, ...args: unknown[]): number => Number(t.core.db.prepare(sql).pluck().get(...args)),
  } as CollectionsHome;
  beforeEach(async () => {
    t.home = makeTempDir(prefix);
    t.core = openTestCore(t.home);
    await registerTinyModels(t.core);
  });
  afterEach(async () => {
    await t.core.close();
    removeDir(t.home);
  });
  return t;
}

const CONTENT_WORDS = `time year day week month morning evening night hour people friend family home house room door window city
country world company office work job team project task plan report meeting email message phone computer system
software model data file folder document page text word search index query result error problem question answer
help support service user account password login server network database cloud storage memory disk version update
install download upload backup restore price cost money bank card payment order delivery product market customer
sale salary tax school student teacher book language science research test example water food coffee tea bread soup
apple milk weather rain snow sun wind summer winter spring car train bus road street travel trip hotel airport
flight ticket map`.split(/\s+/);

/**
 * Documents whose sentences are distinct random draws of everyday words (deterministic per seed): unlike
 * writeCorpus's repeated topics, each chunk has words of its own, so a query made from one sentence has one
 * right answer and retrieval quality can be measured.
 */
export function writeVariedCorpus(dir: string, files: number, sentences = 8, seed = 1): string {
  fs.mkdirSync(dir, { recursive: true });
  let state = seed >>> 0 || 1;
  const next = (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
  for (let f = 0; f < files; f++) {
    const text = Array.from({ length: sentences }, (_, i) => {
      const words = Array.from({ length: 7 + next(4) }, () => CONTENT_WORDS[next(CONTENT_WORDS.length)]!);
      return `${words.join(' ')}.${i % 4 === 3 ? '\n\n' : ' '}`;
    }).join('');
    fs.writeFileSync(path.join(dir, `doc-${String(f).padStart(4, '0')}.txt`), text.trim());
  }
  return dir;
}
