// The chat panel, loaded on the visitor's first click. Plain DOM inside the loader's shadow root: nothing
// leaks into the page and the page's CSS does not reach in. Opens silently; the only sound is a soft tone for
// an incoming operator message, which the visitor can mute. The FAQ bot's messages are always marked as the
// bot's, and "talk to a person" stays in sight while it answers. Everything from the server is text.
import type { Boot } from './loader';
import type { Attachment, Message } from '../protocol/index';
import { VisitorClient, type Entry } from './client';

const T = {
  ru: {
    title: 'Мы на связи', greeting: 'Здравствуйте! Спросите что угодно — ответим прямо здесь.',
    placeholder: 'Напишите сообщение…', send: 'Отправить', close: 'Свернуть чат', mute: 'Выключить звук',
    unmute: 'Включить звук', sending: 'отправляется…', failed: 'не отправилось — нажмите, чтобы повторить',
    typing: (n: string) => `${n} печатает…`, reconnecting: 'Связь пропала, переподключаемся…', dialog: 'Чат с поддержкой',
    powered: 'Работает на Otklik', you: 'Вы', team: 'Команда',
    queued: (n: number, min: number | null) => `Вы ${n}-й в очереди.` + (min ? ` Ответим примерно через ${min} мин.` : ''),
    busy: (min: number | null) => 'Все операторы сейчас заняты — ответим, как только кто-то освободится' +
      (min ? `, примерно через ${min} мин.` : '.'),
    ended: 'Разговор завершён. Появится вопрос — просто напишите.',
    away: (when: string | null) => 'Сейчас мы не на связи' + (when ? ` — вернёмся ${when}` : '') +
      '. Напишите, и мы ответим, как только начнём работу.',
    offer: 'Не хотите ждать в чате? Оставьте почту или телефон — мы сами с вами свяжемся.',
    offerBtn: 'Оставить контакты', name: 'Как к вам обращаться', contact: 'Почта или телефон',
    message: 'Ваш вопрос', consent: 'Контакты нужны только для ответа вам — никаких рассылок.',
    submit: 'Отправить', saving: 'Отправляем…',
    saved: (c: string) => `Спасибо! Всё получили и ответим на ${c}.`,
    bad: { email: 'Кажется, в адресе почты опечатка.', phone: 'Проверьте номер — в нём не хватает цифр или есть лишние знаки.',
      name: 'Имя получилось слишком длинным.', message: 'Вопрос слишком длинный — сократите, пожалуйста.',
      '': 'Не получилось отправить. Попробуйте ещё раз.' } as Record<string, string>,
    need: 'Укажите почту или телефон, чтобы мы могли ответить.',
    callMe: 'Перезвоните мне', cbIntro: 'Оставьте номер — оператор перезвонит за минуту. Звонок бесплатный.',
    cbPhone: 'Ваш номер телефона', cbPlaceholder: '+7 900 000-00-00', cbSubmit: 'Позвоните мне',
    cbConsent: 'Позвоним один раз, на этот номер. Никаких рассылок.', cbSending: 'Отправляем…',
    cbWillCall: (n: string) => `Позвоним на ${n}`,
    cb: { calling_operator: 'Ищем свободного оператора…', calling_you: 'Оператор на линии — звоним вам!',
      connected: 'Вы на связи с оператором.', failed: 'Не получилось заказать звонок. Напишите нам в чат.' } as Record<string, string>,
    cbScheduled: (when: string) => `Сейчас мы не работаем. Позвоним ${when}.`,
    cbPicked: (when: string) => `Позвоним ${when}.`, cbWhen: 'Когда позвонить', cbNow: 'Сейчас',
    today: 'сегодня', tomorrow: 'завтра', at: 'в',
    cbEnded: { connected: 'Звонок завершён. Появятся вопросы — пишите, мы рядом.',
      visitor_no_answer: 'Мы звонили, но не дозвонились. Можно попросить звонок ещё раз.',
      visitor_busy: 'Ваш номер был занят. Попробуйте ещё раз, когда будет удобно.',
      visitor_rejected: 'Звонок отклонён. Если передумаете — мы здесь, в чате.',
      visitor_unreachable: 'Не удалось дозвониться по этому номеру. Проверьте его и попробуйте ещё раз.',
      '': 'Сейчас не получилось соединить вас с оператором. Напишите в чат — ответим здесь.' } as Record<string, string>,
    again: 'Заказать ещё раз',
    previewNote: 'Оператор видит текст, пока вы его набираете.',
    rateAsk: 'Как мы справились?', rateGood: '👍 Помогли', rateBad: '👎 Не помогли',
    rateMore: 'Спасибо! Хотите добавить пару слов?', rateComment: 'Что понравилось или что улучшить',
    rateThanks: 'Спасибо за оценку — она правда помогает нам.',
    bot: 'бот', botIntro: (n: string) => `Сначала вам ответит бот ${n}. Захотите поговорить с человеком — он в одном клике.`,
    person: 'Позвать человека', personAsked: 'Зовём человека…', helped: 'Помогло?', yes: 'Да', no: 'Нет',
    gladHelped: 'Отлично, рады помочь!', sorryNot: 'Жаль. Спросите иначе — или позовите человека.',
    more: 'Подробнее',
    attach: 'Прикрепить файл', uploading: 'Отправляем файл…',
    attachType: 'Можно прислать картинку (PNG, JPEG, GIF, WebP) или PDF.',
    attachSize: (mb: number) => `Файл больше ${mb} МБ — такой не отправить.`,
    attachFailed: 'Файл не отправился. Попробуйте ещё раз.', kb: 'КБ', mb: 'МБ', openFile: 'Открыть',
  },
  en: {
    title: "We're here", greeting: 'Hi! Ask us anything — we reply right here.',
    placeholder: 'Write a message…', send: 'Send', close: 'Minimise chat', mute: 'Mute sound', unmute: 'Unmute sound',
    sending: 'sending…', failed: 'not sent — tap to retry', typing: (n: string) => `${n} is typing…`,
    reconnecting: 'Connection lost, reconnecting…', dialog: 'Support chat', powered: 'Powered by Otklik', you: 'You',
    team: 'Team',
    queued: (n: number, min: number | null) => `You are number ${n} in the queue.` +
      (min ? ` We should reply in about ${min} min.` : ''),
    busy: (min: number | null) => 'Everyone is busy right now — we will reply as soon as someone is free' +
      (min ? `, in about ${min} min.` : '.'),
    ended: 'This conversation has ended. Just write if anything else comes up.',
    away: (when: string | null) => "We're away right now" + (when ? ` — back ${when}` : '') +
      ". Write to us and we'll reply as soon as we're in.",
    offer: "Rather not wait in the chat? Leave your email or phone and we'll get back to you.",
    offerBtn: 'Leave my contacts', name: 'Your name', contact: 'Email or phone', message: 'Your question',
    consent: 'We use your contacts only to answer you. No mailing lists.', submit: 'Send', saving: 'Sending…',
    saved: (c: string) => `Thank you! We've got it and will reply to ${c}.`,
    bad: { email: 'That email address looks mistyped.', phone: 'Please check the number: digits seem to be missing or extra.',
      name: 'The name is too long.', message: 'The question is too long; please shorten it.',
      '': "Couldn't send that. Please try again." } as Record<string, string>,
    need: 'Add an email or a phone so we can reply.',
    callMe: 'Call me back', cbIntro: "Leave your number and an operator will call you within a minute. It's free.",
    cbPhone: 'Your phone number', cbPlaceholder: '+44 20 0000 0000', cbSubmit: 'Call me',
    cbConsent: 'We call once, this number only. No marketing.', cbSending: 'Sending…',
    cbWillCall: (n: string) => `We'll call ${n}`,
    cb: { calling_operator: 'Finding a free operator…', calling_you: 'An operator is on the line — calling you now!',
      connected: "You're talking to an operator.", failed: "Couldn't request a call. Please write to us in the chat." } as Record<string, string>,
    cbScheduled: (when: string) => `We're closed right now. We'll call you ${when}.`,
    cbPicked: (when: string) => `We'll call you ${when}.`, cbWhen: 'When to call', cbNow: 'Now',
    today: 'today', tomorrow: 'tomorrow', at: 'at',
    cbEnded: { connected: "Call ended. If anything else comes up, just write — we're here.",
      visitor_no_answer: "We called but couldn't reach you. You can ask for a call again.",
      visitor_busy: 'Your line was busy. Try again whenever it suits you.',
      visitor_rejected: "The call was declined. If you change your mind, we're here in the chat.",
      visitor_unreachable: "We couldn't get through to this number. Please check it and try again.",
      '': "We couldn't connect you to an operator just now. Write in the chat and we'll answer here." } as Record<string, string>,
    again: 'Ask again',
    previewNote: 'The operator sees your text as you type it.',
    rateAsk: 'How did we do?', rateGood: '👍 Helpful', rateBad: '👎 Not helpful',
    rateMore: 'Thank you! Anything you would like to add?', rateComment: 'What was good, or what to improve',
    rateThanks: 'Thanks for the rating — it really helps us.',
    bot: 'bot', botIntro: (n: string) => `${n}, our bot, answers first. Want a real person? They're one click away.`,
    person: 'Talk to a person', personAsked: 'Getting a person…', helped: 'Did this help?', yes: 'Yes', no: 'No',
    gladHelped: 'Great, glad it helped!', sorryNot: 'Sorry about that. Try asking another way, or call in a person.',
    more: 'Learn more',
    attach: 'Attach a file', uploading: 'Sending the file…',
    attachType: 'You can send an image (PNG, JPEG, GIF, WebP) or a PDF.',
    attachSize: (mb: number) => `The file is larger than ${mb} MB and cannot be sent.`,
    attachFailed: "The file wasn't sent. Please try again.", kb: 'KB', mb: 'MB', openFile: 'Open',
  },
};

const CSS = (color: string, side: string) => `
.p{position:fixed;${side}:20px;bottom:88px;z-index:2147483000;width:min(380px,calc(100vw - 40px));
height:min(600px,calc(100vh - 110px));display:flex;flex-direction:column;background:#fff;color:#1d1d1f;
border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.18);font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
overflow:hidden;box-sizing:border-box}
.p[hidden]{display:none}
.h{display:flex;align-items:center;gap:10px;padding:12px 12px 12px 16px;background:${color};color:#fff}
.av{width:36px;height:36px;border-radius:50%;background:rgba(255,255,255,.25);display:flex;align-items:center;
justify-content:center;font-weight:600;flex:none;overflow:hidden}.av img{width:100%;height:100%;object-fit:cover}
.ht{flex:1;min-width:0}.ht b{display:block;font-size:15px}.ht span{font-size:13px;opacity:.9}
.ib{background:transparent;border:0;color:#fff;width:40px;height:40px;border-radius:8px;cursor:pointer;display:flex;
align-items:center;justify-content:center;flex:none}.ib:hover{background:rgba(255,255,255,.15)}
.ib:focus-visible,.sb:focus-visible,textarea:focus-visible{outline:3px solid #111;outline-offset:1px}
.ib svg{width:22px;height:22px}
.m{flex:1;overflow-y:auto;padding:14px 14px 6px;display:flex;flex-direction:column;gap:8px;background:#f6f7f9}
.g{align-self:flex-start;background:#fff;border:1px solid #e3e5e8;border-radius:12px;padding:8px 12px;max-width:85%}
.b{max-width:85%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}
.b.me{align-self:flex-end;background:${color};color:#fff;border-bottom-right-radius:4px}
.b.op{align-self:flex-start;background:#fff;border:1px solid #e3e5e8;border-bottom-left-radius:4px}
.b small{display:block;font-size:12px;opacity:.75;margin-top:2px}
.b.failed{background:#b3261e;cursor:pointer}
.st{font-size:13px;color:#5f6368;padding:2px 14px 6px;min-height:18px;background:#f6f7f9}
.sys{align-self:center;font-size:13px;color:#5f6368;text-align:center;padding:4px 8px}.b.old{opacity:.6}
.f{display:flex;gap:8px;padding:10px;border-top:1px solid #e3e5e8;background:#fff;align-items:flex-end}
textarea{flex:1;resize:none;border:1px solid #c9ccd1;border-radius:10px;padding:9px 10px;font:inherit;color:inherit;
max-height:120px;min-height:40px;box-sizing:border-box;background:#fff}
.sb{border:0;border-radius:10px;background:${color};color:#fff;width:44px;height:40px;cursor:pointer;flex:none;
display:flex;align-items:center;justify-content:center}.sb svg{width:20px;height:20px}
.pw{font-size:11px;text-align:center;padding:0 0 6px;background:#fff}.pw a{color:#5f6368}
.of{background:#fff;border-top:1px solid #e3e5e8;padding:10px 12px;display:flex;flex-direction:column;gap:8px;
font-size:14px;max-height:55%;overflow-y:auto}.of[hidden]{display:none}.of input,.of textarea{font:inherit;border:1px solid #c9ccd1;border-radius:8px;
padding:7px 9px;color:inherit;background:#fff}.of textarea{min-height:60px}.of small{color:#5f6368;font-size:12px}
.of .err{color:#b3261e}.ob{align-self:flex-start;border:0;border-radius:8px;background:${color};color:#fff;padding:8px 14px;
font:inherit;cursor:pointer}.ob:focus-visible,.of input:focus-visible{outline:3px solid #111;outline-offset:1px}
.sl{display:flex;flex-direction:column;gap:4px}.sl div{display:flex;flex-wrap:wrap;gap:4px}.sl button{border:1px solid #ccc;
border-radius:8px;background:#fff;padding:5px 9px;font:inherit;cursor:pointer}.sl button.on{border-color:${color};background:${color};color:#fff}
.b.bot{background:#eef1f6;border-style:dashed}
.bd{display:inline-block;font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;padding:0 5px;
margin-right:4px;border-radius:4px;background:#5f6368;color:#fff;opacity:1}
.fb{display:flex;gap:6px;align-items:center;margin-top:6px;font-size:13px}.fb button{border:1px solid #c9ccd1;
border-radius:8px;background:#fff;color:inherit;font:inherit;padding:2px 10px;cursor:pointer}
.fb button:focus-visible,.bn a:focus-visible{outline:3px solid #111;outline-offset:1px}
.g small{display:block;margin-top:4px;font-size:13px;color:#5f6368}
.bn{background:#fff;border:1px solid #e3e5e8;border-left:4px solid ${color};border-radius:10px;padding:10px 12px;
white-space:pre-wrap;word-wrap:break-word}.bn b{display:block}.bn a{display:inline-block;margin-top:4px;color:${color}}
.hp{display:flex;justify-content:center;padding:6px 10px 0;background:#f6f7f9}.hp[hidden]{display:none}
.hp button{border:1px solid ${color};color:${color};background:#fff;border-radius:16px;padding:5px 14px;font:inherit;
font-size:14px;cursor:pointer}.hp button:disabled{opacity:.6;cursor:default}
.hp button:focus-visible{outline:3px solid #111;outline-offset:1px}
.ab{border:0;background:transparent;color:#5f6368;width:36px;height:40px;border-radius:10px;cursor:pointer;flex:none;
display:flex;align-items:center;justify-content:center}.ab:hover{background:#f1f3f4}.ab svg{width:22px;height:22px}
.ab:focus-visible,.at:focus-visible{outline:3px solid #111;outline-offset:1px}
.at{display:block;color:inherit;text-decoration:none;cursor:pointer;background:none;border:0;padding:0;font:inherit;text-align:left}
.at img{display:block;max-width:100%;max-height:220px;min-width:60px;min-height:40px;border-radius:8px;background:rgba(0,0,0,.06)}
.af{display:flex;gap:10px;align-items:center}.af i{flex:none;width:36px;height:44px;border-radius:6px;background:#b3261e;
color:#fff;font:700 11px/44px system-ui,sans-serif;text-align:center;font-style:normal}.af b{display:block;font-weight:600;
overflow-wrap:anywhere}.af span{font-size:12px;opacity:.8}
@media (max-width:480px){.p{left:0;right:0;top:0;bottom:0;width:100%;height:100%;max-height:100dvh;border-radius:0}}
`;

const ICON = {
  close: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>',
  sound: '<svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M4 9v6h4l5 4V5L8 9H4zm12.5 3a4.5 4.5 0 0 0-2.5-4v8a4.5 4.5 0 0 0 2.5-4z"/></svg>',
  muted: '<svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M4 9v6h4l5 4V5L8 9H4zm12.6 3l2.4-2.4-1.1-1.1-2.4 2.4-2.4-2.4-1.1 1.1 2.4 2.4-2.4 2.4 1.1 1.1 2.4-2.4 2.4 2.4 1.1-1.1z"/></svg>',
  phone: '<svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2c.3-.3.7-.4 1-.2 1.1.4 2.3.6 3.6.6.6 0 1 .4 1 1V20c0 .6-.4 1-1 1A17 17 0 0 1 3 4c0-.6.4-1 1-1h3.5c.6 0 1 .4 1 1 0 1.3.2 2.5.6 3.6.1.3 0 .7-.2 1z"/></svg>',
  send: '<svg viewBox="0 0 24 24" fill="currentColor" aria-hidden="true"><path d="M3 20l18-8L3 4v6l12 2-12 2z"/></svg>',
  clip: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9"/></svg>',
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function mount(boot: Boot): void {
  const { cfg, root, launcher, origin } = boot;
  const t = cfg.lang === 'en' ? T.en : T.ru;
  const color = /^#[0-9a-f]{3,8}$/i.test(cfg.color) ? cfg.color : '#2f6fed';
  const style = el('style');
  style.textContent = CSS(color, cfg.position === 'left' ? 'left' : 'right');

  const panel = el('div', 'p');
  panel.hidden = true; // setOpen(true) below shows it and tells the page
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', t.dialog);
  panel.id = 'otk-panel';
  launcher.setAttribute('aria-controls', panel.id);

  const header = el('div', 'h');
  const avatar = el('div', 'av');
  const teamName = cfg.operator_name || cfg.site_name || t.team;
  const who = el('span');
  // The header shows who answers: the site's chosen face until an operator writes, then that operator.
  let shown = '';
  const face = (name: string, photo?: string | null) => {
    const key = name + '\n' + (photo || '');
    if (key === shown) return;
    shown = key;
    who.textContent = name;
    if (photo) {
      const img = el('img');
      img.alt = '';
      img.src = new URL(photo, origin).href;
      avatar.replaceChildren(img);
    } else {
      avatar.textContent = name.trim().charAt(0).toUpperCase();
    }
  };
  face(teamName);
  const titles = el('div', 'ht');
  titles.append(el('b', '', cfg.texts.title || t.title), who);
  let muted = false;
  try { muted = localStorage.getItem('otklik:mute') === '1'; } catch { /* blocked */ }
  const muteBtn = el('button', 'ib');
  muteBtn.type = 'button';
  const renderMute = () => {
    muteBtn.innerHTML = muted ? ICON.muted : ICON.sound;
    muteBtn.setAttribute('aria-label', muted ? t.unmute : t.mute);
    muteBtn.setAttribute('aria-pressed', String(muted));
    muteBtn.title = muted ? t.unmute : t.mute;
  };
  renderMute();
  const closeBtn = el('button', 'ib');
  closeBtn.type = 'button';
  closeBtn.innerHTML = ICON.close;
  closeBtn.setAttribute('aria-label', t.close);
  closeBtn.title = t.close;
  const callBtn = el('button', 'ib');
  callBtn.type = 'button';
  callBtn.innerHTML = ICON.phone;
  callBtn.setAttribute('aria-label', t.callMe);
  callBtn.title = t.callMe;
  if (cfg.callback) header.append(avatar, titles, callBtn, muteBtn, closeBtn);
  else header.append(avatar, titles, muteBtn, closeBtn);

  const list = el('div', 'm');
  list.setAttribute('aria-live', 'polite');
  const greeting = el('div', 'g');
  const greetingText = el('span', '', cfg.texts.greeting || t.greeting);
  greeting.append(greetingText);
  const bot = cfg.engage?.bot;
  // Honest from the first line: who answers first, and that a person is one click away.
  if (bot?.enabled) greeting.append(el('small', '', t.botIntro(bot.name)));
  // "Talk to a person": always in sight while the bot answers.
  const person = el('div', 'hp');
  const personBtn = el('button', '', t.person);
  personBtn.type = 'button';
  personBtn.addEventListener('click', () => client.askPerson());
  person.append(personBtn);
  // The accepted banner's card, at the top of the chat.
  let banner: HTMLElement | null = null;
  const status = el('div', 'st');
  status.setAttribute('role', 'status');
  const form = el('form', 'f');
  const input = el('textarea');
  input.rows = 1;
  input.maxLength = 4000;
  input.placeholder = t.placeholder;
  input.setAttribute('aria-label', t.placeholder);
  const sendBtn = el('button', 'sb');
  sendBtn.type = 'submit';
  sendBtn.innerHTML = ICON.send;
  sendBtn.setAttribute('aria-label', t.send);
  // A paperclip: one file, one message. The server decides what the file is; this only saves a wasted upload.
  const kTypes = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf'];
  const fileIn = el('input');
  fileIn.type = 'file';
  fileIn.accept = kTypes.join(',');
  fileIn.hidden = true;
  const attachBtn = el('button', 'ab');
  attachBtn.type = 'button';
  attachBtn.innerHTML = ICON.clip;
  attachBtn.setAttribute('aria-label', t.attach);
  attachBtn.title = t.attach;
  attachBtn.addEventListener('click', () => fileIn.click());
  form.append(fileIn, attachBtn, input, sendBtn);
  const offline = el('div', 'of');
  offline.hidden = true;
  const call = el('div', 'of');
  call.hidden = true;
  const rateBox = el('div', 'of');
  rateBox.hidden = true;
  panel.append(header, list, person, rateBox, call, offline, status, form);
  if (cfg.typing_preview) {
    // Honest about it: the operator sees the draft before it is sent.
    const note = el('div', 'pw', t.previewNote);
    note.style.color = '#5f6368';
    panel.insertBefore(note, form.nextSibling);
  }
  if (cfg.vendor_link) {
    const pw = el('div', 'pw');
    const a = el('a', '', t.powered);
    a.href = 'https://otklik.example/';
    a.target = '_blank';
    a.rel = 'noopener';
    pw.append(a);
    panel.append(pw);
  }
  root.append(style, panel);

  const client = new VisitorClient(
    `${origin.replace(/^http/, 'ws')}/ws/visitor?site=${encodeURIComponent(cfg.site)}`, `otklik:v:${cfg.site}`,
    () => boot.identity);
  client.onEvent = (name) => boot.emit(name);
  boot.rehello = () => client.rehello();

  const time = (ms: number) => new Date(ms).toLocaleTimeString(cfg.lang === 'en' ? 'en-GB' : 'ru-RU', { hour: '2-digit', minute: '2-digit' });
  const render = () => {
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const nodes: Node[] = banner ? [banner, greeting] : [greeting];
    if (client.backAt !== null) {
      const when = client.backAt ? new Date(client.backAt).toLocaleString(cfg.lang === 'en' ? 'en-GB' : 'ru-RU',
        { weekday: 'long', hour: '2-digit', minute: '2-digit' }) : null;
      nodes.push(el('div', 'sys away', t.away(when)));
    }
    for (const e of client.earlier) nodes.push(bubble(e, true));
    if (client.earlier.length) nodes.push(el('div', 'sys', t.ended));
    let last: Entry | undefined;
    for (const e of client.entries()) {
      nodes.push(bubble(e));
      if (e.kind === 'operator' && e.author) last = e; // the header shows people only, never the bot
    }
    if (last) face(last.author!, last.photo);
    list.replaceChildren(...nodes);
    // The card lives outside the list, which is rebuilt on every change: a rebuilt form would lose focus.
    // Offered when nobody can promise an answer soon: out of hours, everyone busy, or a queue with no estimate.
    const w = client.waiting;
    offline.hidden = !(client.backAt !== null || w?.state === 'busy' || (w?.state === 'queued' && w.waitMs === null) ||
      client.contact.state !== 'idle');
    if (!offline.hidden) renderOffline();
    call.hidden = !callOpen;
    if (callOpen) renderCall();
    person.hidden = !client.bot;
    personBtn.disabled = client.handoff;
    personBtn.textContent = client.handoff ? t.personAsked : t.person;
    rateBox.hidden = !client.ratable;
    if (!rateBox.hidden) renderRate();
    if (atBottom) list.scrollTop = list.scrollHeight;
    const minutes = w && w.waitMs ? Math.max(1, Math.round(w.waitMs / 60000)) : null;
    status.textContent = attachNote ||
      (client.status === 'offline' ? t.reconnecting : client.operatorTyping ? t.typing(client.operatorTyping)
        : w?.state === 'queued' ? t.queued(w.position, minutes) : w?.state === 'busy' ? t.busy(minutes) : '');
  };
  // The offline form: the visitor may leave contacts instead of waiting. A card above the composer, opened by a
  // click; it never asks for contacts on its own.
  let formOpen = false;
  let contactShown = '';
  let localError = '';
  const field = (label: string, tag: 'input' | 'textarea', auto?: string) => {
    const f = el(tag);
    f.setAttribute('aria-label', label);
    f.placeholder = label;
    if (auto) f.setAttribute('autocomplete', auto);
    return f;
  };
  const nameIn = field(t.name, 'input', 'name') as HTMLInputElement;
  const contactIn = field(t.contact, 'input', 'email') as HTMLInputElement;
  const messageIn = field(t.message, 'textarea') as HTMLTextAreaElement;
  nameIn.maxLength = 100;
  messageIn.maxLength = 4000;
  const note = el('small');
  note.setAttribute('role', 'status');
  const submitOffline = el('button', 'ob', t.submit);
  submitOffline.type = 'submit';
  const offlineForm = el('form');
  offlineForm.style.cssText = 'display:flex;flex-direction:column;gap:8px';
  offlineForm.append(nameIn, contactIn, messageIn, note, submitOffline);
  const offerBtn = el('button', 'ob', t.offerBtn);
  offerBtn.type = 'button';
  offerBtn.addEventListener('click', () => { formOpen = true; render(); nameIn.focus(); });
  offlineForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const c = contactIn.value.trim();
    localError = c ? '' : t.need;
    if (!c) { render(); contactIn.focus(); return; }
    contactShown = c;
    const email = c.includes('@');
    client.leaveContact({ name: nameIn.value, email: email ? c : '', phone: email ? '' : c,
      message: messageIn.value || input.value });
  });
  const renderOffline = () => {
    const c = client.contact;
    if (c.state === 'saved') { offline.replaceChildren(el('span', '', t.saved(contactShown))); return; }
    if (!formOpen && c.state === 'idle') { offline.replaceChildren(el('span', '', t.offer), offerBtn); return; }
    submitOffline.disabled = c.state === 'sending';
    submitOffline.textContent = c.state === 'sending' ? t.saving : t.submit;
    const err = c.state === 'failed' ? t.bad[c.field] ?? t.bad[''] : localError;
    note.textContent = err || t.consent;
    note.className = err ? 'err' : '';
    if (offline.firstChild !== offlineForm) offline.replaceChildren(offlineForm);
  };

  // The rating, offered when an operator closes the conversation: one click is enough, a comment is optional.
  let good = true;
  let commentFor = 0;  // the conversation whose comment was sent: the card then just says thank you
  const goodBtn = el('button', 'ob', t.rateGood);
  const badBtn = el('button', 'ob', t.rateBad);
  goodBtn.type = badBtn.type = 'button';
  const rateButtons = el('div');
  rateButtons.style.cssText = 'display:flex;gap:8px';
  rateButtons.append(goodBtn, badBtn);
  const ask = el('span', '', t.rateAsk);
  const commentIn = el('textarea');
  commentIn.maxLength = 1000;
  commentIn.placeholder = t.rateComment;
  commentIn.setAttribute('aria-label', t.rateComment);
  const commentBtn = el('button', 'ob', t.send);
  commentBtn.type = 'submit';
  const commentForm = el('form');
  commentForm.style.cssText = 'display:flex;flex-direction:column;gap:8px';
  commentForm.append(el('span', '', t.rateMore), commentIn, commentBtn);
  const choose = (g: boolean) => { good = g; client.rate(g); commentIn.focus(); };
  goodBtn.addEventListener('click', () => choose(true));
  badBtn.addEventListener('click', () => choose(false));
  commentForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (commentIn.value.trim()) client.rate(good, commentIn.value.trim());
    commentFor = client.ratable;
    render();
  });
  const thanks = el('span', '', t.rateThanks);
  const renderRate = () => {
    if (commentFor === client.ratable) {
      if (rateBox.firstChild !== thanks) rateBox.replaceChildren(thanks);
    } else if (client.rating === 'none') {
      if (rateBox.firstChild !== ask) rateBox.replaceChildren(ask, rateButtons);
    } else if (rateBox.firstChild !== commentForm) {
      rateBox.replaceChildren(commentForm);
    }
  };

  // Instant callback: a phone field (the site's country code preset), a hidden honeypot, then live status.
  let callOpen = false;
  const phoneIn = el('input');
  phoneIn.type = 'tel';
  phoneIn.setAttribute('autocomplete', 'tel');
  phoneIn.setAttribute('aria-label', t.cbPhone);
  phoneIn.placeholder = t.cbPlaceholder;
  phoneIn.maxLength = 40;
  const trap = el('input');  // people never see it; form-filling bots do
  trap.name = 'website';
  trap.tabIndex = -1;
  trap.setAttribute('autocomplete', 'off');
  trap.setAttribute('aria-hidden', 'true');
  trap.style.cssText = 'position:absolute;left:-9999px;width:1px;height:1px;opacity:0';
  const callSubmit = el('button', 'ob', t.cbSubmit);
  callSubmit.type = 'submit';
  const callForm = el('form');
  callForm.style.cssText = 'display:flex;flex-direction:column;gap:8px';
  // Instant validation: the server (libphonenumber and the site's rules) answers while the visitor types.
  const phoneHint = el('small');
  phoneHint.setAttribute('aria-live', 'polite');
  let checkTimer = 0;
  phoneIn.addEventListener('input', () => {
    clearTimeout(checkTimer);
    client.phoneCheck = null;
    renderHint();
    const typed = phoneIn.value.trim();
    if (typed.replace(/\D/g, '').length >= 7) checkTimer = window.setTimeout(() => client.checkPhone(typed), 400);
  });
  const renderHint = () => {
    const c = client.phoneCheck;
    const current = c && c.phone === phoneIn.value.trim() ? c : null;
    phoneHint.textContent = current ? (current.ok ? t.cbWillCall(current.display || '') : current.message || '') : '';
    phoneHint.style.color = current && !current.ok ? '#b3261e' : '#1e7a3c';
    phoneIn.setAttribute('aria-invalid', current && !current.ok ? 'true' : 'false');
  };
  // Picking a time (callback_slots): outside hours the next open slots, grouped by day. Shown in the visitor's own
  // time, like the hours line above ("вернёмся в 10:00"), so that a visitor in another zone is not misled.
  const loc = cfg.lang === 'en' ? 'en-GB' : 'ru-RU';
  const fmt = (ms: number, o: Intl.DateTimeFormatOptions) => new Date(ms).toLocaleString(loc, o);
  const dayOf = (ms: number) => fmt(ms, { year: 'numeric', month: '2-digit', day: '2-digit' });
  /** "сегодня в 18:00", "завтра в 10:00", "3 декабря в 10:00". */
  const near = (ms: number) => (dayOf(ms) === dayOf(Date.now()) ? t.today : dayOf(ms) === dayOf(Date.now() + 864e5) ? t.tomorrow : '');
  const whenText = (ms: number) =>
    `${near(ms) || (cfg.lang === 'en' ? 'on ' : '') + fmt(ms, { day: 'numeric', month: 'long' })} ${t.at} ${fmt(ms, { hour: '2-digit', minute: '2-digit' })}`;
  let picked: number | undefined;
  const slotBox = el('div', 'sl');
  slotBox.setAttribute('role', 'radiogroup');
  slotBox.setAttribute('aria-label', t.cbWhen);
  const renderSlots = () => {
    const s = client.slots;
    const list = s?.slots ?? [];
    if (!list.length) { slotBox.replaceChildren(); picked = undefined; return; }
    if (picked !== undefined && !list.includes(picked)) picked = undefined;
    if (picked === undefined && !s?.open) picked = list[0];
    const nodes: Node[] = [el('span', '', t.cbWhen)];
    const option = (label: string, value: number | undefined) => {
      const b = el('button', value === picked ? 'on' : '', label);
      b.type = 'button';
      b.setAttribute('role', 'radio');
      b.setAttribute('aria-checked', String(value === picked));
      if (value) b.setAttribute('data-at', String(value));
      b.addEventListener('click', () => { picked = value; renderSlots(); });
      return b;
    };
    if (s?.open) nodes.push(option(t.cbNow, undefined));
    let day = '';
    let row: HTMLElement | null = null;
    for (const ms of list) {
      if (dayOf(ms) !== day) {
        day = dayOf(ms);
        const head = near(ms) || fmt(ms, { weekday: 'short', day: 'numeric', month: 'short' });
        nodes.push(el('small', '', head.charAt(0).toUpperCase() + head.slice(1)));
        row = el('div');
        nodes.push(row);
      }
      row!.append(option(fmt(ms, { hour: '2-digit', minute: '2-digit' }), ms));
    }
    slotBox.replaceChildren(...nodes);
  };
  callForm.append(el('span', '', t.cbIntro), phoneIn, phoneHint, slotBox, trap, el('small', '', t.cbConsent), callSubmit);
  const callAgain = el('button', 'ob', t.again);
  callAgain.type = 'button';
  callAgain.addEventListener('click', () => { client.callback = null; render(); phoneIn.focus(); });
  callForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (phoneIn.value.trim()) client.requestCallback(phoneIn.value.trim(), trap.value, picked);
  });
  callBtn.addEventListener('click', () => {
    callOpen = !callOpen;
    if (callOpen && !phoneIn.value && cfg.lang !== 'en') phoneIn.value = '+7 ';
    if (callOpen) client.askSlots();
    render();
    if (callOpen) phoneIn.focus();
  });
  const renderCall = () => {
    renderHint();
    renderSlots();
    const c = client.callback;
    if (c === null || c === 'sending') {
      callSubmit.disabled = c === 'sending';
      callSubmit.textContent = c === 'sending' ? t.cbSending : t.cbSubmit;
      if (call.firstChild !== callForm) call.replaceChildren(callForm);
      return;
    }
    const line = el('span');
    line.setAttribute('role', 'status');
    const nodes: Node[] = [line];
    if (c === 'failed') line.textContent = t.cb.failed;
    else if (c.state === 'refused') { line.textContent = c.message || t.cbEnded['']; nodes.push(callAgain); }
    else if (c.state === 'scheduled') {
      const when = c.scheduled_for ? whenText(c.scheduled_for) : '';
      line.textContent = client.slots?.open ? t.cbPicked(when) : t.cbScheduled(when);
    } else if (c.state === 'ended') {
      line.textContent = t.cbEnded[c.status || ''] ?? t.cbEnded[''];
      if (c.status !== 'connected') nodes.push(callAgain);
    } else line.textContent = t.cb[c.state];
    call.replaceChildren(...nodes);
  };

  const bubble = (e: Entry, old = false): HTMLElement => {
    const isBot = e.kind === 'bot';
    // A system line (a supervisor joined) is the team speaking about itself: centred, no name.
    if (e.kind === 'system') {
      const line = el('div', 'sys', e.text);
      if (!old) line.setAttribute('data-seq', String(e.seq));
      return line;
    }
    const cls = `b ${e.mine ? 'me' : 'op'}${isBot ? ' bot' : ''}${e.state === 'failed' ? ' failed' : ''}${old ? ' old' : ''}`;
    const b = el('div', cls, e.attachment ? undefined : e.text);
    if (e.attachment) b.append(attachmentView(e.attachment));
    if (!old) b.setAttribute('data-seq', String(e.seq));
    const meta = e.state === 'sending' ? t.sending : e.state === 'failed' ? t.failed
      : `${e.mine ? '' : (e.author || (isBot ? bot?.name || '' : teamName)) + ' · '}${time(e.at)}`;
    const small = el('small', '', meta);
    // A bot never passes for a person: its badge comes first, before its name.
    if (isBot) small.prepend(el('span', 'bd', t.bot));
    b.append(small);
    if (isBot && e.bot?.answer && !old) b.append(helped(e));
    if (e.state === 'failed') b.addEventListener('click', () => client.retrySend(e.key));
    return b;
  };
  // "Did this help?" under a knowledge-base answer; once marked, a word back instead of the buttons.
  const helped = (e: Entry): HTMLElement => {
    const row = el('div', 'fb');
    const mark = e.bot!.helpful;
    if (mark !== null) {
      row.textContent = mark ? t.gladHelped : t.sorryNot;
      return row;
    }
    row.append(el('span', '', t.helped));
    for (const yes of [true, false]) {
      const btn = el('button', '', yes ? t.yes : t.no);
      btn.type = 'button';
      btn.addEventListener('click', () => client.feedback(e, yes));
      row.append(btn);
    }
    return row;
  };
  client.onChange = render;

  // Files live on the Otklik server and are served only to this visitor: fetched with the visitor's token and
  // shown from a blob URL (the page's origin cannot point an <img> at them). One fetch per file per page view.
  const blobs = new Map<string, string>();
  const fetching = new Set<string>();
  const filesUrl = `${origin}/api/v1/widget/attachments`;
  const blobOf = (id: string): string | undefined => {
    const have = blobs.get(id);
    if (have || fetching.has(id) || !client.token) return have;
    fetching.add(id);
    fetch(`${filesUrl}/${encodeURIComponent(id)}?site=${encodeURIComponent(cfg.site)}`,
      { headers: { 'X-Otklik-Visitor': client.token } })
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(String(r.status)))))
      .then((b) => { blobs.set(id, URL.createObjectURL(b)); render(); })
      .catch(() => { /* shown by its name only; the next render tries again */ })
      .finally(() => fetching.delete(id));
    return undefined;
  };
  const sizeText = (n: number) => n < 1048576 ? `${Math.max(1, Math.round(n / 1024))} ${t.kb}` : `${(n / 1048576).toFixed(1)} ${t.mb}`;
  const attachmentView = (a: Attachment): HTMLElement => {
    const url = blobOf(a.id);
    // A link to the blob opens the image or saves the PDF under its name; the name is text, never markup.
    const link = el('a', 'at');
    link.title = `${t.openFile}: ${a.name}`;
    if (url) {
      link.href = url;
      if (a.type.startsWith('image/')) { link.target = '_blank'; link.rel = 'noopener'; } else link.download = a.name;
    }
    if (a.type.startsWith('image/')) {
      const img = el('img');
      img.alt = a.name;
      if (url) img.src = url;
      link.append(img);
    } else {
      const row = el('span', 'af');
      const text = el('span');
      text.append(el('b', '', a.name), el('span', '', sizeText(a.size)));
      row.append(el('i', '', 'PDF'), text);
      link.append(row);
    }
    return link;
  };

  let attachNote = '';
  let noteTimer = 0;
  // A refusal stays long enough to read, then the status line goes back to what the chat is doing.
  const tell = (text: string) => {
    attachNote = text;
    clearTimeout(noteTimer);
    if (text !== t.uploading) noteTimer = window.setTimeout(() => { attachNote = ''; render(); }, 8000);
    render();
  };
  const upload = async (file: File) => {
    const limit = cfg.attachment_mb || 10;
    if (!kTypes.includes(file.type)) return tell(t.attachType);
    if (file.size > limit * 1048576) return tell(t.attachSize(limit));
    if (!client.token) return tell(t.attachFailed);
    tell(t.uploading);
    const cid = 'f' + Array.from(crypto.getRandomValues(new Uint8Array(12)), (x) => x.toString(16).padStart(2, '0')).join('');
    try {
      const r = await fetch(`${filesUrl}?site=${encodeURIComponent(cfg.site)}&name=${encodeURIComponent(file.name)}&client_id=${cid}`,
        { method: 'POST', body: file, headers: { 'X-Otklik-Visitor': client.token } });
      const body = await r.json().catch(() => null);
      if (r.ok && body?.message) {
        attachNote = '';
        client.addMessage(body.message as Message);
        list.scrollTop = list.scrollHeight;
        return;
      }
      const code = body?.error?.code;
      tell(code === 'unsupported_media' ? t.attachType : code === 'too_large' ? t.attachSize(limit) : t.attachFailed);
    } catch {
      tell(t.attachFailed);
    }
  };
  fileIn.addEventListener('change', () => {
    const file = fileIn.files?.[0];
    fileIn.value = '';
    if (file) void upload(file);
  });

  let audio: AudioContext | null = null;
  client.onOperatorMessage = (m) => {
    boot.emit('message', { text: m.text, author: m.author.name });
    if (muted) return;
    try {
      audio = audio || new AudioContext();
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 660;
      gain.gain.setValueAtTime(0.0001, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.08, audio.currentTime + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.4);
    } catch { /* no audio: nothing to do */ }
  };

  const submit = () => {
    const text = input.value.trim();
    if (!text) return;
    client.send(text);
    input.value = '';
    input.style.height = '';
    list.scrollTop = list.scrollHeight;
  };
  form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(); input.focus(); });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); submit(); }
  });
  input.addEventListener('input', () => {
    client.typing(input.value.trim() !== '', cfg.typing_preview ? input.value : undefined);
    input.style.height = '';
    input.style.height = Math.min(input.scrollHeight, 120) + 'px';
  });
  muteBtn.addEventListener('click', () => {
    muted = !muted;
    try { localStorage.setItem('otklik:mute', muted ? '1' : '0'); } catch { /* blocked */ }
    renderMute();
  });

  // What an accepted invitation asked for: the campaign's greeting, the banner's card, the callback form.
  const applyOffer = () => {
    const o = boot.offer;
    if (o.greeting) greetingText.textContent = o.greeting;
    if (o.banner && !banner) banner = bannerCard(o.banner);
    if (o.callback && cfg.callback) {
      callOpen = true;
      if (!phoneIn.value && cfg.lang !== 'en') phoneIn.value = '+7 ';
    }
    o.callback = false;
  };
  const bannerCard = (a: NonNullable<typeof boot.offer.banner>): HTMLElement => {
    const card = el('div', 'bn');
    card.append(el('b', '', a.title));
    if (a.text) card.append(el('span', '', a.text));
    // Only a real https address becomes a link; it opens apart, without a handle back to this page.
    if (a.link && /^https:\/\/[^\s]+$/i.test(a.link)) {
      const link = el('a', '', a.link_text || t.more);
      link.href = a.link;
      link.target = '_blank';
      link.rel = 'noopener';
      card.append(el('br'), link);
    }
    return card;
  };

  const setOpen = (open: boolean) => {
    const was = !panel.hidden;
    const hadFocus = panel.contains(root.activeElement);
    panel.hidden = !open;
    launcher.setAttribute('aria-expanded', String(open));
    if (open) {
      applyOffer();
      render();
      // Opened by itself (a campaign greeting): the visitor may be busy on the page, so leave their focus be.
      if (!boot.offer.auto) (callOpen ? phoneIn : input).focus();
    } else if (hadFocus) launcher.focus();
    if (was !== open) boot.emit(open ? 'open' : 'close');
  };
  closeBtn.addEventListener('click', () => setOpen(false));
  panel.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { ev.stopPropagation(); setOpen(false); } });

  boot.show = setOpen;
  client.connect();
  setOpen(true);
}

(window as unknown as { Otklik: { mount?: (b: Boot) => void } }).Otklik.mount = mount;
