// node --import tsx bench/support/make-corpus.ts — writes resources/bench-corpus.json, the fixed corpus of the
// embedding benchmarks (bench/embed-bench.ts, and issue #8's). Deterministic: hand-written Russian and English
// prose below, cut by a seeded generator into search queries, single sentences, short passages and long
// paragraphs, so the texts run from 3 to ~120 words as real chunks of documents do. Rerun only to change it:
// results of earlier runs are comparable only on the same corpus.
import fs from 'node:fs';
import { Prng } from '../../scripts/test-models/prng';

const QUERIES = {
  en: [
    'reset forgotten password',
    'monthly salary tax deduction',
    'cheap flights to Lisbon in October',
    'how to restore a database backup',
    'weather forecast for the weekend',
    'best way to learn Russian grammar',
    'train delayed refund policy',
    'why is my laptop fan so loud',
    'invoice payment overdue reminder',
    'vegetarian soup recipe with lentils',
    'open source embedding models for search',
    'symptoms of vitamin D deficiency',
    'renew passport before travel abroad',
    'merge two pull requests without conflicts',
    'hotel near the central station',
    'quarterly report deadline',
    'replace a broken phone screen',
    'bake bread without yeast',
    'how many people live in Tokyo',
    'set up two factor authentication',
  ],
  ru: [
    'восстановить забытый пароль',
    'налоговый вычет с заработной платы',
    'дешёвые билеты в Казань на поезд',
    'как восстановить базу данных из резервной копии',
    'прогноз погоды на выходные',
    'как быстро выучить английские времена',
    'возврат денег за отменённый рейс',
    'почему ноутбук сильно шумит',
    'напоминание о просроченной оплате счёта',
    'рецепт борща со свёклой и фасолью',
    'модели эмбеддингов для поиска по документам',
    'симптомы нехватки витамина D',
    'оформить загранпаспорт перед поездкой',
    'как объединить две ветки без конфликтов',
    'гостиница рядом с вокзалом',
    'срок сдачи квартального отчёта',
    'заменить разбитый экран телефона',
    'хлеб без дрожжей в духовке',
    'сколько людей живёт в Москве',
    'включить двухфакторную аутентификацию',
  ],
};

// Paragraphs of plain prose on everyday, technical and narrative topics; each a list of sentences.
const PARAGRAPHS = {
  en: [
    [
      'The new release of the desktop client fixes a crash that happened when a download was paused twice in a row.',
      'It also adds a progress bar for every file, so a large model no longer looks frozen while its weights arrive.',
      'Users on slow connections asked for resumable transfers, and the client now continues from the last verified byte.',
      'Checksums are computed while the data streams to disk, which saves a second pass over files of several gigabytes.',
      'If a mirror returns a truncated file, the client notices the mismatch and fetches the missing part again.',
      'Settings moved to a single page with a search field.',
      'The old configuration file is read once and converted, and nothing is lost during the upgrade.',
      'We thank everyone who reported problems and sent logs over the last two months.',
    ],
    [
      'Maria had lived in the small house by the river for almost thirty years.',
      'Every morning she walked to the bakery at the corner, bought a loaf of rye bread and exchanged a few words with the owner about the weather.',
      'In spring the river rose so high that the path to the bridge disappeared under brown water.',
      'Her neighbours worried about floods, but she only moved the potatoes from the cellar to the kitchen and waited.',
      'The water always went back within a week.',
      'When her grandson came to visit in the summer, he found the old fishing rods in the shed and spent whole days on the bank.',
      'He caught almost nothing, yet he came home every evening sunburnt and happy.',
      'She told him stories about the winter when the river froze so hard that trucks drove across it.',
    ],
    [
      'A good soup starts with a slow base: onions, carrots and celery cooked in butter until soft and sweet.',
      'Add the lentils after rinsing them, then pour in enough stock to cover everything by two fingers.',
      'Let it simmer for about forty minutes and stir from time to time so nothing sticks to the bottom.',
      'Salt goes in near the end, because lentils stay hard if they are salted too early.',
      'A spoon of tomato paste and a pinch of smoked paprika give the soup depth.',
      'Serve it with fresh bread and a squeeze of lemon.',
      'It keeps well in the fridge for three days and tastes even better the next day.',
    ],
    [
      'Your monthly statement shows every payment made with the card, grouped by merchant and date.',
      'If you see a charge you do not recognise, block the card in the mobile app first and then call the support line.',
      'Disputed payments are usually reviewed within ten working days.',
      'During the review the amount is returned to your account as a temporary credit.',
      'Salary transfers arrive on the last working day of the month, and tax is already deducted by the employer.',
      'Interest on savings is paid quarterly and appears as a separate line.',
      'You can download statements for the last five years as PDF or CSV files.',
    ],
    [
      'The ocean absorbs a large share of the heat that greenhouse gases trap in the atmosphere.',
      'Measurements from thousands of floating probes show that the upper two kilometres of water have warmed steadily since the nineteen fifties.',
      'Warmer water expands, and together with melting glaciers this raises the sea level.',
      'Coral reefs are especially sensitive: a few weeks of unusually warm water can bleach an entire reef.',
      'Some reefs recover within a decade, while others are overgrown by algae.',
      'Scientists are testing heat resistant corals grown in nurseries and planted back on damaged reefs.',
      'The results are promising but the scale of the problem is enormous.',
    ],
    [
      'The project meeting on Tuesday covered the migration of the search index to the new embedding model.',
      'The team agreed to re-embed all documents in the background while the old index keeps serving queries.',
      'Once the new index is complete, a small share of traffic will be routed to it and the results compared.',
      'If quality holds, the switch happens at night and the old index is kept for a week as a fallback.',
      'The biggest risk is the time needed to process eleven million chunks on the available machines.',
      'Anna will measure throughput on a sample and report on Friday.',
      'Questions about the schedule should go to the project channel rather than private messages.',
    ],
    [
      'Travelling by night train is slower than flying, but it saves a hotel night and arrives in the city centre.',
      'The sleeper cars have compartments for two or four people with clean sheets and a small washbasin.',
      'Tickets go on sale sixty days before departure and the cheapest berths sell out quickly.',
      'Bring water and something to eat, because the restaurant car closes early.',
      'At the border the train stops for about an hour while the bogies are changed to a different track gauge.',
      'Most passengers sleep through it.',
      'In the morning the conductor brings tea in glasses with metal holders, a tradition that many travellers love.',
    ],
    [
      'To set up two factor authentication, open the security section of your account settings.',
      'Scan the code with an authenticator app on your phone and enter the six digit number it shows.',
      'Save the recovery codes somewhere safe, for example in a password manager or on paper in a drawer.',
      'Without them you cannot sign in if you lose the phone.',
      'Text message codes are supported too, but they are less secure and not available in every country.',
      'After setup, sign out on all devices and sign in again to make sure everything works.',
    ],
    [
      'Children learn languages through play long before they understand grammar rules.',
      'A teacher who sings simple songs and tells stories with pictures gives them thousands of words without a single exercise.',
      'Adults learn differently: they want explanations, lists and clear progress.',
      'Yet they also remember best what they use in real conversations.',
      'Twenty minutes of daily practice does more than a long lesson once a week.',
      'Reading short texts that are slightly above your level is one of the most effective habits.',
      'Mistakes are part of the process and nobody speaks a new language perfectly at first.',
    ],
    [
      'The server stopped responding shortly after midnight when the disk holding the database logs filled up.',
      'Monitoring raised an alert, but the person on call was travelling and did not see it for forty minutes.',
      'Once the old logs were archived and the service restarted, everything returned to normal within five minutes.',
      'No data was lost, because the database refuses writes rather than corrupting files when it runs out of space.',
      'We have since added a second contact to the on call rota and an alert that fires when the disk is eighty percent full.',
      'Log rotation now keeps seven days instead of thirty.',
    ],
    [
      'Tokyo is one of the largest metropolitan areas in the world, home to more than thirty seven million people.',
      'Despite its size the city is remarkably quiet and clean, and trains arrive to the second.',
      'Neighbourhoods differ a great deal: glass towers in one district, narrow lanes with wooden houses in the next.',
      'Visitors often spend their first days in the busy shopping streets and later discover small temples and gardens.',
      'Food ranges from cheap noodle bars to restaurants that take reservations months ahead.',
      'The best time to visit is spring or autumn, when the weather is mild.',
    ],
    [
      'Sleep is as important for health as food and exercise.',
      'Adults need between seven and nine hours, and regularly getting less raises the risk of heart disease and depression.',
      'Screens in the evening delay the release of melatonin and make it harder to fall asleep.',
      'A cool, dark bedroom and a fixed time for going to bed help most people more than any pill.',
      'Coffee after lunch can still affect sleep at night because caffeine leaves the body slowly.',
      'If you wake up tired despite enough hours in bed, talk to a doctor.',
    ],
  ],
  ru: [
    [
      'В новой версии приложения исправлена ошибка, из-за которой загрузка зависала после второй паузы подряд.',
      'Теперь для каждого файла показывается отдельная полоса прогресса, и большая модель не выглядит зависшей.',
      'Пользователи с медленным интернетом просили докачку, и теперь загрузка продолжается с последнего проверенного байта.',
      'Контрольная сумма считается прямо во время записи на диск, поэтому второй проход по файлам в несколько гигабайт не нужен.',
      'Если зеркало отдаёт обрезанный файл, приложение замечает расхождение и докачивает недостающую часть.',
      'Все настройки собраны на одной странице с поиском.',
      'Старый файл конфигурации читается один раз и переводится в новый формат без потерь.',
      'Спасибо всем, кто присылал сообщения об ошибках и журналы в последние два месяца.',
    ],
    [
      'Мария прожила в маленьком доме у реки почти тридцать лет.',
      'Каждое утро она ходила в булочную на углу, покупала буханку ржаного хлеба и перекидывалась парой слов с хозяином о погоде.',
      'Весной река поднималась так высоко, что тропинка к мосту исчезала под мутной водой.',
      'Соседи боялись наводнения, а она только переносила картошку из погреба на кухню и ждала.',
      'Вода всегда уходила через неделю.',
      'Когда летом приехал внук, он нашёл в сарае старые удочки и целыми днями пропадал на берегу.',
      'Он почти ничего не ловил, но каждый вечер возвращался загорелый и счастливый.',
      'Она рассказывала ему про зиму, когда река замёрзла так крепко, что по льду ездили грузовики.',
    ],
    [
      'Хороший борщ начинается с зажарки: лук, морковь и свёкла томятся на сковороде, пока не станут мягкими.',
      'Свёклу лучше сбрызнуть лимонным соком, тогда она сохранит яркий цвет.',
      'Тем временем в кастрюле варится бульон на говядине, а капуста нарезается тонкой соломкой.',
      'Картошку кладут первой, капусту через десять минут, а зажарку в самом конце.',
      'Соль и немного сахара добавляют по вкусу, а чеснок и зелень перед тем, как выключить огонь.',
      'Подают борщ со сметаной и чёрным хлебом.',
      'На второй день он становится ещё вкуснее.',
    ],
    [
      'В ежемесячной выписке видны все платежи по карте, сгруппированные по магазинам и датам.',
      'Если вы видите незнакомое списание, сначала заблокируйте карту в мобильном приложении, а потом позвоните в поддержку.',
      'Спорные операции обычно рассматриваются в течение десяти рабочих дней.',
      'На время проверки сумма возвращается на счёт как временный кредит.',
      'Заработная плата приходит в последний рабочий день месяца, налог уже удержан работодателем.',
      'Проценты по вкладу начисляются раз в квартал и показываются отдельной строкой.',
      'Выписки за последние пять лет можно скачать в формате PDF или CSV.',
    ],
    [
      'Океан поглощает значительную часть тепла, которое парниковые газы удерживают в атмосфере.',
      'Измерения тысяч дрейфующих буёв показывают, что верхние два километра воды стабильно нагреваются с середины прошлого века.',
      'Тёплая вода расширяется, и вместе с таянием ледников это поднимает уровень моря.',
      'Особенно уязвимы коралловые рифы: нескольких недель аномально тёплой воды достаточно, чтобы обесцветить целый риф.',
      'Одни рифы восстанавливаются за десятилетие, другие зарастают водорослями.',
      'Учёные выращивают в питомниках устойчивые к жаре кораллы и высаживают их на повреждённые рифы.',
      'Результаты обнадёживают, но масштаб проблемы огромен.',
    ],
    [
      'На совещании во вторник обсуждали перевод поискового индекса на новую модель эмбеддингов.',
      'Команда решила пересчитать векторы всех документов в фоне, пока старый индекс продолжает отвечать на запросы.',
      'Когда новый индекс будет готов, на него направят небольшую часть трафика и сравнят результаты.',
      'Если качество не упадёт, переключение пройдёт ночью, а старый индекс неделю будет храниться как запасной.',
      'Главный риск в том, сколько времени займёт обработка одиннадцати миллионов фрагментов на имеющихся машинах.',
      'Анна измерит скорость на выборке и доложит в пятницу.',
      'Вопросы по срокам лучше задавать в общем канале проекта, а не в личных сообщениях.',
    ],
    [
      'Ночной поезд едет дольше самолёта, зато экономит ночь в гостинице и приходит в центр города.',
      'В купе на двоих или на четверых чистое бельё и маленький умывальник.',
      'Билеты поступают в продажу за шестьдесят дней до отправления, и самые дешёвые места заканчиваются быстро.',
      'Возьмите с собой воду и еду, потому что вагон-ресторан закрывается рано.',
      'На границе поезд стоит около часа, пока меняют тележки под другую ширину колеи.',
      'Большинство пассажиров это время просто спит.',
      'Утром проводник разносит чай в стаканах с подстаканниками, и многие путешественники любят эту традицию.',
    ],
    [
      'Чтобы включить двухфакторную аутентификацию, откройте раздел безопасности в настройках аккаунта.',
      'Отсканируйте код приложением-аутентификатором на телефоне и введите шестизначное число, которое оно покажет.',
      'Сохраните резервные коды в надёжном месте, например в менеджере паролей или на бумаге в ящике стола.',
      'Без них вы не сможете войти, если потеряете телефон.',
      'Коды по СМС тоже поддерживаются, но они менее надёжны и доступны не во всех странах.',
      'После настройки выйдите из аккаунта на всех устройствах и войдите снова, чтобы убедиться, что всё работает.',
    ],
    [
      'Дети учат языки в игре задолго до того, как начинают понимать правила грамматики.',
      'Учитель, который поёт простые песни и рассказывает истории с картинками, даёт им тысячи слов без единого упражнения.',
      'Взрослые учатся иначе: им нужны объяснения, списки и заметный прогресс.',
      'И всё же лучше всего они запоминают то, что используют в настоящих разговорах.',
      'Двадцать минут ежедневной практики дают больше, чем длинный урок раз в неделю.',
      'Чтение коротких текстов чуть выше своего уровня одна из самых полезных привычек.',
      'Ошибки это часть процесса, и никто не говорит на новом языке идеально с первого дня.',
    ],
    [
      'Сервер перестал отвечать вскоре после полуночи, когда закончилось место на диске с журналами базы данных.',
      'Мониторинг поднял тревогу, но дежурный был в дороге и увидел её только через сорок минут.',
      'После архивации старых журналов и перезапуска сервиса всё вернулось в норму за пять минут.',
      'Данные не потерялись, потому что база при нехватке места отказывает в записи, а не портит файлы.',
      'С тех пор в график дежурств добавлен второй контакт, а тревога срабатывает при заполнении диска на восемьдесят процентов.',
      'Журналы теперь хранятся семь дней вместо тридцати.',
    ],
    [
      'Москва один из крупнейших городов Европы, в ней живёт больше тринадцати миллионов человек.',
      'Метро здесь работает с раннего утра до часа ночи, а поезда в час пик ходят с интервалом меньше двух минут.',
      'Районы сильно отличаются друг от друга: стеклянные башни делового центра соседствуют с тихими переулками и старыми особняками.',
      'Туристы обычно начинают с Красной площади и центральных улиц, а потом открывают для себя парки и набережные.',
      'Выбор еды огромен, от недорогих столовых до ресторанов, где столик бронируют за месяц.',
      'Лучшее время для поездки поздняя весна и начало осени, когда погода мягкая.',
    ],
    [
      'Сон важен для здоровья не меньше, чем питание и физическая нагрузка.',
      'Взрослому нужно от семи до девяти часов, и хронический недосып повышает риск болезней сердца и депрессии.',
      'Экраны по вечерам задерживают выработку мелатонина, и заснуть становится труднее.',
      'Прохладная тёмная спальня и постоянное время отхода ко сну помогают большинству людей лучше любых таблеток.',
      'Кофе после обеда всё ещё может мешать ночному сну, потому что кофеин выводится из организма медленно.',
      'Если вы просыпаетесь уставшим, хотя спите достаточно, обратитесь к врачу.',
    ],
  ],
};

const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;

/** Consecutive sentences of one paragraph from a seeded start, as many as fit in `maxWords` (at least one). */
function passage(rng: Prng, paragraph: string[], minWords: number, maxWords: number): string {
  const start = Math.floor(rng.uniform() * paragraph.length);
  const out: string[] = [];
  for (let i = 0; out.length < paragraph.length; i++) {
    const next = paragraph[(start + i) % paragraph.length]!;
    if (out.length && words([...out, next].join(' ')) > maxWords) break;
    out.push(next);
    if (words(out.join(' ')) >= minWords && rng.uniform() < 0.35) break;
  }
  return out.join(' ');
}

/** A long text: whole paragraphs joined, then cut back to at most `maxWords` at a sentence end. */
function longText(rng: Prng, paragraphs: string[][], maxWords: number): string {
  const first = Math.floor(rng.uniform() * paragraphs.length);
  const sentences = [...paragraphs[first]!, ...paragraphs[(first + 1 + Math.floor(rng.uniform() * (paragraphs.length - 1))) % paragraphs.length]!];
  const out: string[] = [];
  for (const s of sentences) {
    if (words([...out, s].join(' ')) > maxWords) break;
    out.push(s);
  }
  return out.join(' ');
}

function build(): { lang: 'en' | 'ru'; kind: string; text: string }[] {
  const rng = new Prng('model-center bench corpus v1');
  const items: { lang: 'en' | 'ru'; kind: string; text: string }[] = [];
  for (const lang of ['en', 'ru'] as const) {
    const paragraphs = PARAGRAPHS[lang];
    const sentences = paragraphs.flat();
    for (const q of QUERIES[lang]) items.push({ lang, kind: 'query', text: q });
    // Every sentence once on its own (what chunkers produce from short documents and titles).
    for (const s of sentences) items.push({ lang, kind: 'sentence', text: s });
    for (let i = 0; i < 30; i++) items.push({ lang, kind: 'passage', text: passage(rng, paragraphs[i % paragraphs.length]!, 30, 70) });
    for (let i = 0; i < 18; i++) items.push({ lang, kind: 'long', text: longText(rng, paragraphs, 70 + Math.floor(rng.uniform() * 51)) });
  }
  // A fixed shuffle, so corpus order mixes languages and lengths as a stream of documents does.
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

const items = build();
const lengths = items.map((i) => words(i.text)).sort((a, b) => a - b);
const corpus = {
  about:
    'Fixed corpus of the embedding benchmarks (npm run bench:embed; issue #8 reuses it): hand-written Russian and English prose ' +
    '(release notes, support pages, a story, recipes, science, travel, meetings, incidents) cut by bench/support/make-corpus.ts ' +
    'with a seeded generator into search queries, single sentences, short passages and long paragraphs, in a fixed shuffled order. ' +
    'Do not edit by hand: regenerate, and know that figures of runs on different corpora are not comparable.',
  version: 1,
  stats: {
    texts: items.length,
    en: items.filter((i) => i.lang === 'en').length,
    ru: items.filter((i) => i.lang === 'ru').length,
    words: { min: lengths[0], median: lengths[lengths.length >> 1], max: lengths[lengths.length - 1] },
  },
  texts: items,
};
const file = new URL('../../resources/bench-corpus.json', import.meta.url);
fs.writeFileSync(file, `${JSON.stringify(corpus, null, 1)}\n`);
console.log(`wrote ${file.pathname}: ${items.length} texts, words ${JSON.stringify(corpus.stats.words)}`);
