// Every text of the console, in Russian and English. Russian unless the browser says otherwise.
const ru = {
  title: 'Пульт оператора',
  email: 'Эл. почта', password: 'Пароль', login: 'Войти', logout: 'Выйти',
  badCredentials: 'Неверная почта или пароль', tooMany: 'Слишком много попыток — подождите минуту',
  failed: 'Не получилось войти, попробуйте ещё раз',
  conversations: 'Разговоры', empty: 'Пока тихо. Новые разговоры появятся здесь сами.',
  pick: 'Выберите разговор слева', placeholder: 'Ответ посетителю…', send: 'Отправить',
  sending: 'отправляется…', failedSend: 'не отправилось', typing: 'Посетитель печатает…',
  offline: 'Нет связи, переподключаемся…', sound: 'Звук', notify: 'Уведомления', onPage: 'Сейчас на странице',
  newChat: 'Новый разговор', newMessage: 'Новое сообщение', back: 'К списку', you: 'Вы',
  photo: 'Ваше фото для посетителей', photoFailed: 'Фото не загрузилось: нужен PNG, JPEG или WebP',
  presence: 'Статус', online: 'На месте', away: 'Отошёл', offlineChoice: 'Не в сети',
  queued: 'в очереди', mine: 'у вас', closeChat: 'Завершить разговор',
  awayHint: 'Новые разговоры вам не придут, пока вы не «На месте»',
  asNote: 'Заметка для коллег', notePlaceholder: 'Заметка видна только операторам…', noteBy: 'заметка',
  transfer: 'Передать разговор', transferTo: 'Передать…', department: 'Отдел',
  late: 'Посетитель ждёт ответа дольше положенного',
};
type Texts = typeof ru;
const en: Texts = {
  title: 'Operator console',
  email: 'Email', password: 'Password', login: 'Log in', logout: 'Log out',
  badCredentials: 'Wrong email or password', tooMany: 'Too many attempts — wait a minute',
  failed: 'Could not log in, please try again',
  conversations: 'Conversations', empty: 'All quiet. New conversations will show up here.',
  pick: 'Pick a conversation on the left', placeholder: 'Reply to the visitor…', send: 'Send',
  sending: 'sending…', failedSend: 'not sent', typing: 'Visitor is typing…',
  offline: 'Offline, reconnecting…', sound: 'Sound', notify: 'Notifications', onPage: 'Now on',
  newChat: 'New conversation', newMessage: 'New message', back: 'Back', you: 'You',
  photo: 'Your photo for visitors', photoFailed: 'Photo not uploaded: use PNG, JPEG or WebP',
  presence: 'Status', online: 'Available', away: 'Away', offlineChoice: 'Offline',
  queued: 'waiting', mine: 'yours', closeChat: 'End conversation',
  awayHint: 'No new conversations will come to you until you are Available',
  asNote: 'Note for colleagues', notePlaceholder: 'Only operators see notes…', noteBy: 'note',
  transfer: 'Transfer conversation', transferTo: 'Transfer to…', department: 'Department',
  late: 'The visitor has waited longer than the first-response time',
};
export const t: Texts = (navigator.language || 'ru').toLowerCase().startsWith('ru') ? ru : en;
export const locale = t === ru ? 'ru-RU' : 'en-GB';
