import fs from 'node:fs';

/**
 * The vocabulary of the test models and what each token's embedding should mean.
 *
 * Ids 0–103 are laid out as in bert-base-uncased ([PAD]=0, [unused0..98]=1..99, [UNK]=100, [CLS]=101,
 * [SEP]=102, [MASK]=103), so code that hard-codes BERT's special ids works on the test models too.
 */

export const SPECIAL_TOKENS = { pad: '[PAD]', unk: '[UNK]', cls: '[CLS]', sep: '[SEP]', mask: '[MASK]' } as const;

/** What a token's embedding is made of: its own random vector, or a shared concept vector plus noise. */
export type TokenMeaning = { kind: 'own' } | { kind: 'concept'; concept: number };

export interface Vocabulary {
  /** Tokens in id order. */
  tokens: string[];
  meanings: TokenMeaning[];
  /** Number of distinct concepts (probe pairs). */
  conceptCount: number;
}

export interface ProbePair {
  lang: string;
  a: string;
  b: string;
  unrelated: string;
}

// Common English words for chunking and search tests: each gets a vector of its own.
const ENGLISH_WORDS = `
the a an and or but not no yes of to in on at for with from by as is are was were be been being have has had
do does did will would can could should may might must this that these those it its he she they we you i me my
your our their his her them us what which who whom when where why how all any some many much more most few
other such only own same so than too very just also now then here there up down out over under again once
time year day week month today tomorrow yesterday morning evening night hour minute people man woman child
friend family home house room door window city country world company office work job team project task plan
report meeting email message phone computer system software model data file folder document page text word
search index query result error problem question answer help support service user account password login
server network database cloud storage memory disk version update install download upload backup restore
price cost money bank card payment order delivery product market customer sale buy sell pay salary tax
school student teacher book read write learn language english russian science research test example
water food coffee tea bread soup apple milk weather rain snow sun wind cold hot warm summer winter spring
car train bus road street travel trip hotel airport flight ticket map
good bad new old big small long short high low first last next early late fast slow easy hard important
open close start stop run make take give get go come see look find know think say tell ask use try need want
`;

// Common Russian words; й and ё are kept as they are because the normalizer does not strip accents.
const RUSSIAN_WORDS = `
и в не на я что он с как а то все всё она так его но да ты к у же вы за бы по только её ещё мне было вот от
меня о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь опять уж вам ведь
там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без будто чего
раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем
чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой хоть после над больше тот
через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой перед иногда лучше
чуть том нельзя такой им более всегда конечно всю между
время год день неделя месяц сегодня завтра вчера утро вечер ночь час минута человек люди друг семья дом
город страна мир компания офис работа проект задача план отчёт встреча письмо сообщение телефон компьютер
система программа модель данные файл папка документ страница текст слово поиск запрос результат ошибка
вопрос ответ помощь поддержка пользователь аккаунт вход сервер сеть база облако память диск версия
обновление установка загрузка копия цена стоимость деньги банк карта оплата заказ доставка товар рынок
клиент покупка продажа налог школа студент учитель книга язык наука тест пример вода еда кофе чай хлеб
суп яблоко молоко погода дождь снег солнце ветер зима лето весна осень машина поезд автобус дорога улица
поездка гостиница аэропорт самолёт билет новый старый большой маленький хороший плохой первый последний
быстрый медленный важный открыть закрыть начать найти знать думать сказать спросить искать получить
`;

const LATIN = 'abcdefghijklmnopqrstuvwxyz';
const CYRILLIC = 'абвгдеёжзийклмнопрстуфхцчшщъыьэюя';
const DIGITS = '0123456789';
// BertPreTokenizer splits every Unicode punctuation character into its own word, so each needs a token.
const PUNCTUATION = `!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~«»—–…№`;

// Frequent endings and stems, so unknown words split into a few pieces rather than letter by letter.
const SUBWORD_PIECES = `
##s ##es ##ed ##ing ##er ##ers ##est ##ly ##tion ##tions ##ment ##ness ##able ##al ##ity ##ful ##less ##ous
##ive ##ize ##ise ##en ##ry ##y ##ic ##ical
##а ##я ##ы ##и ##у ##ю ##е ##о ##ой ##ей ##ая ##яя ##ое ##ее ##ые ##ие ##ый ##ий ##ом ##ем ##ам ##ям ##ами
##ями ##ах ##ях ##ов ##ев ##ия ##ие ##ть ##ться ##ся ##сь ##ет ##ют ##ут ##ит ##ат ##ят ##ен ##на ##но ##ка
##ки ##ник ##ость ##ости ##ение ##ения ##ние ##ния ##ство ##ства ##тель ##ный ##ная ##ное ##ные ##ного ##ному
un re pre dis over
за пере при под по на об от вы рас про
`;

const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);

/** Lower-cased, whitespace-split words: the probe texts contain no punctuation, so this is what WordPiece sees. */
export function textWords(text: string): string[] {
  return words(text.toLowerCase());
}

const PROBES_URL = new URL('../../resources/embedding-probes.json', import.meta.url);

export function readProbePairs(): ProbePair[] {
  const parsed = JSON.parse(fs.readFileSync(PROBES_URL, 'utf8')) as { pairs?: ProbePair[] };
  if (!Array.isArray(parsed.pairs)) throw new Error(`${PROBES_URL.pathname}: no "pairs" array`);
  return parsed.pairs;
}

/**
 * The concept of each probe word: the words of a pair's `a` and `b` share the pair's concept, so the pair lands
 * close after mean pooling. A word that also occurs in some other pair or in any `unrelated` text (such as "a")
 * keeps a vector of its own instead: giving it the concept would pull an unrelated text towards the pair.
 */
export function probeConcepts(pairs: readonly ProbePair[]): Map<string, number> {
  const owners = new Map<string, Set<number>>();
  pairs.forEach((p, i) => {
    for (const w of [...textWords(p.a), ...textWords(p.b)]) owners.set(w, (owners.get(w) ?? new Set()).add(i));
  });
  const unrelated = new Set(pairs.flatMap((p) => textWords(p.unrelated)));
  const concepts = new Map<string, number>();
  for (const [word, set] of owners) {
    const only = [...set];
    if (only.length === 1 && only[0] !== undefined && !unrelated.has(word)) concepts.set(word, only[0]);
  }
  return concepts;
}

export function buildVocabulary(options: { pairs?: readonly ProbePair[]; size?: number } = {}): Vocabulary {
  const pairs = options.pairs ?? readProbePairs();
  const tokens: string[] = [];
  const meanings: TokenMeaning[] = [];
  const ids = new Map<string, number>();
  const add = (token: string, meaning: TokenMeaning = { kind: 'own' }): void => {
    const id = ids.get(token);
    if (id === undefined) {
      ids.set(token, tokens.length);
      tokens.push(token);
      meanings.push(meaning);
    } else if (meaning.kind === 'concept') meanings[id] = meaning; // a one-letter probe word already added as a character
  };

  add(SPECIAL_TOKENS.pad);
  for (let i = 0; i <= 98; i++) add(`[unused${i}]`);
  add(SPECIAL_TOKENS.unk);
  add(SPECIAL_TOKENS.cls);
  add(SPECIAL_TOKENS.sep);
  add(SPECIAL_TOKENS.mask);

  for (const ch of PUNCTUATION) add(ch);
  for (const ch of DIGITS + LATIN + CYRILLIC) add(ch);
  for (const ch of DIGITS + LATIN + CYRILLIC) add(`##${ch}`);
  for (const piece of words(SUBWORD_PIECES)) add(piece);

  const concepts = probeConcepts(pairs);
  // Probe words first, so their ids do not move when the general lists change.
  const probeWords = pairs.flatMap((p) => [...textWords(p.a), ...textWords(p.b), ...textWords(p.unrelated)]);
  for (const w of probeWords) {
    const concept = concepts.get(w);
    add(w, concept === undefined ? { kind: 'own' } : { kind: 'concept', concept });
  }
  for (const w of [...words(ENGLISH_WORDS), ...words(RUSSIAN_WORDS)]) add(w);

  if (options.size !== undefined) {
    if (options.size < tokens.length) throw new Error(`vocabulary needs ${tokens.length} tokens, more than vocabSize ${options.size}`);
    // Like bert-base-uncased's [unusedN]: the brackets are punctuation to BertPreTokenizer, so no text reaches them.
    for (let i = 99; tokens.length < options.size; i++) add(`[unused${i}]`);
  }
  return { tokens, meanings, conceptCount: pairs.length };
}
