#!/usr/bin/env bash
# The Otklik WordPress plugin against a real WordPress: Debian 12's `wordpress` package, a private MariaDB on a
# unix socket and PHP's built-in web server, all in one temp dir that is removed on exit. Everything goes
# through WordPress's own screens, as a site owner would do it: the installer, wp-login.php, the activation
# link on the plugins screen, the Settings → Otklik form (with its nonce), the Delete link. Then the public
# front page is read as an anonymous visitor.
#
# Run as root on Debian 12: bash integrations/wordpress/test.sh   (CTest: label integration)
# Installs what is missing (Debian packages) first. Exits non-zero with "FAIL: ..." on the first failed check.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
t_start=$(date +%s)
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "==> [$(($(date +%s) - t_start))s] $*"; }
[ "$(id -u)" -eq 0 ] || fail "run as root (it may install Debian packages and runs mariadbd --user=root)"

T="" php_pid="" db_pid="" our_policy=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [ -n "$php_pid" ]; then
    kill -- -"$php_pid" 2>/dev/null || kill "$php_pid" 2>/dev/null || true
    wait "$php_pid" 2>/dev/null || true
  fi
  if [ -n "$db_pid" ]; then
    kill "$db_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$db_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$db_pid" 2>/dev/null || true
    wait "$db_pid" 2>/dev/null || true
  fi
  [ -n "$our_policy" ] && rm -f /usr/sbin/policy-rc.d
  if [ -n "$T" ] && [ -d "$T" ]; then
    if [ "$rc" -ne 0 ]; then
      for log in apt.log install-db.log mariadbd.err php.log; do
        [ -s "$T/$log" ] && { echo "--- last lines of $log:" >&2; tail -n 15 "$T/$log" >&2; }
      done
      # WordPress 6.1 on PHP 8.2 logs many deprecations of its own: only errors and the plugin's lines are shown.
      [ -s "$T/debug.log" ] && { echo "--- errors in debug.log:" >&2
        grep -E 'PHP (Fatal|Parse)|database error|plugins/otklik/' "$T/debug.log" | tail -n 15 >&2; }
    fi
    rm -rf "$T"
  fi
  echo "wordpress plugin test: $([ "$rc" -eq 0 ] && echo passed || echo FAILED) in $(($(date +%s) - t_start)) s"
  exit "$rc"
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM
T="$(mktemp -d /tmp/otklik-wp.XXXXXX)"

# ---- Debian packages -------------------------------------------------------------------------------------
packages=(wordpress wordpress-theme-twentytwentythree mariadb-server php-cli php-mysql gettext zip unzip curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing Debian packages: ${missing[*]}"
  # wordpress pulls in apache2 and mariadb-server has a service: neither may start and stay running here.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    our_policy=1
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
  fi
  t=$(date +%s)
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq >"$T/apt.log" 2>&1 || fail "apt-get update failed"
  timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$T/apt.log" 2>&1 ||
    fail "apt-get install ${missing[*]} failed"
  [ -n "$our_policy" ] && { rm -f /usr/sbin/policy-rc.d; our_policy=""; }
  step "packages installed in $(($(date +%s) - t)) s"
fi

# ---- the plugin, built as it is shipped ------------------------------------------------------------------
step "building otklik.zip"
"$here/build" "$T/dist" >/dev/null || fail "integrations/wordpress/build failed"

# ---- MariaDB on a private unix socket --------------------------------------------------------------------
step "starting a private MariaDB"
sock="$T/mysql.sock"
timeout 120 mariadb-install-db --no-defaults --datadir="$T/db" --user=root --auth-root-authentication-method=socket \
  --skip-test-db --skip-name-resolve >"$T/install-db.log" 2>&1 || fail "mariadb-install-db failed"
mariadbd --no-defaults --datadir="$T/db" --socket="$sock" --skip-networking --user=root --pid-file="$T/mariadbd.pid" \
  --log-error="$T/mariadbd.err" --innodb-buffer-pool-size=32M --skip-log-bin \
  --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 >/dev/null 2>&1 &  # a throwaway database: no fsync per commit
db_pid=$!
sql() { mariadb --no-defaults --socket="$sock" -uroot -N -B "$@"; }
for _ in $(seq 150); do
  sql -e 'SELECT 1' >/dev/null 2>&1 && break
  kill -0 "$db_pid" 2>/dev/null || fail "mariadbd exited at start"
  sleep 0.2
done
sql -e 'SELECT 1' >/dev/null 2>&1 || fail "mariadbd did not answer on $sock within 30 s"
sql -e "CREATE DATABASE wordpress CHARACTER SET utf8mb4; CREATE USER 'wp'@'localhost' IDENTIFIED BY 'wp-test-secret';
        GRANT ALL ON wordpress.* TO 'wp'@'localhost';"
wpsql() { sql wordpress -e "$1"; }

# ---- a WordPress instance from /usr/share/wordpress, with the plugin unpacked in it ----------------------
step "laying out WordPress $(sed -n "s/^\$wp_version = '\(.*\)';/\1/p" /usr/share/wordpress/wp-includes/version.php)"
wp="$T/wp"
# Hard links (a copy where they cannot be made), not symlinks: PHP resolves symlinks in __DIR__, and
# wp-load.php would then find Debian's wp-config.php. Nothing here writes to WordPress's own files in place.
cp -al /usr/share/wordpress "$wp" 2>/dev/null || { rm -rf "$wp"; cp -a /usr/share/wordpress "$wp"; }
rm -f "$wp/wp-config.php" "$wp/.htaccess"
unzip -q "$T/dist/otklik.zip" -d "$wp/wp-content/plugins" || fail "cannot unpack otklik.zip"
[ -f "$wp/wp-content/plugins/otklik/languages/otklik-ru_RU.mo" ] || fail "otklik.zip has no compiled otklik-ru_RU.mo"
{
  echo "<?php"
  echo "define( 'DB_NAME', 'wordpress' ); define( 'DB_USER', 'wp' ); define( 'DB_PASSWORD', 'wp-test-secret' );"
  echo "define( 'DB_HOST', 'localhost:$sock' ); define( 'DB_CHARSET', 'utf8mb4' ); define( 'DB_COLLATE', '' );"
  for k in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
    echo "define( '$k', '$(head -c 32 /dev/urandom | base64 | tr -d '\n')' );"
  done
  echo "\$table_prefix = 'wp_';"
  echo "define( 'WP_DEBUG', true ); define( 'WP_DEBUG_DISPLAY', false ); define( 'WP_DEBUG_LOG', '$T/debug.log' );"
  echo "define( 'DISABLE_WP_CRON', true ); define( 'WP_HTTP_BLOCK_EXTERNAL', true ); define( 'FS_METHOD', 'direct' );"
  echo "define( 'AUTOMATIC_UPDATER_DISABLED', true ); define( 'WP_AUTO_UPDATE_CORE', false );"
  echo "if ( ! defined( 'ABSPATH' ) ) { define( 'ABSPATH', __DIR__ . '/' ); }"
  echo "require_once ABSPATH . 'wp-settings.php';"
} >"$wp/wp-config.php"

step "serving it with php -S"
port=$(php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); $n = stream_socket_get_name($s, false); echo substr($n, strrpos($n, ":") + 1);')
base="http://127.0.0.1:$port"
# Two workers: the installer requests the site from itself (to try pretty permalinks) while it is answering.
# The workers outlive a killed master, so php runs in a process group of its own and the group is killed.
PHP_CLI_SERVER_WORKERS=2 setsid php -S "127.0.0.1:$port" -t "$wp" >"$T/php.log" 2>&1 &
php_pid=$!
for _ in $(seq 100); do
  curl -s -o /dev/null --max-time 2 "$base/readme.html" && break
  kill -0 "$php_pid" 2>/dev/null || fail "php -S exited at start (port $port taken?)"
  sleep 0.1
done
curl -s -o /dev/null --max-time 2 "$base/readme.html" || fail "php -S did not answer on $base within 10 s"

# ---- HTTP helpers: the admin's browser keeps cookies in a jar; the visitor has none ----------------------
jar="$T/cookies.txt"
page="$T/page.html"
status=""
# admin PATH [curl args]: the answer's body goes to $page and its status to $status (redirects followed).
admin() {
  local path=$1; shift
  status=$(curl -sS -L --max-time 60 -b "$jar" -c "$jar" -o "$page" -w '%{http_code}' "$@" "$base/$path") ||
    fail "no answer from $base/$path"
}
expect_ok() { [ "$status" = 200 ] || fail "$1: HTTP $status"; }
has() { grep -qF -- "$1" "$page"; }
must_have() { has "$1" || fail "$2 (no '$1' on the page)"; }
must_not_have() { ! has "$1" || fail "$2 ('$1' is on the page)"; }
# html_attr_unescape: &amp; in an href becomes & again.
unamp() { sed 's/&amp;/\&/g; s/&#038;/\&/g'; }
# form_nonce: the _wpnonce hidden field of the last page.
form_nonce() { grep -o 'name="_wpnonce" value="[^"]*"' "$page" | head -n 1 | sed 's/.*value="\([^"]*\)"/\1/'; }
front="$T/front.html"
# visit [curl args]: the public front page as an anonymous visitor (or with the args given) into $front.
visit() {
  local code
  code=$(curl -sS --max-time 60 -o "$front" -w '%{http_code}' "$@" "$base/") || fail "no answer from the front page"
  [ "$code" = 200 ] || fail "front page: HTTP $code"
  grep -q '</html>' "$front" || fail "front page is incomplete (PHP error?)"
}
widget_tags() { grep -o '<script[^>]*widget\.js[^>]*>' "$1" || true; }

# ---- install WordPress and log in ------------------------------------------------------------------------
step "installing WordPress through wp-admin/install.php"
admin_pass='Otklik-test-Pa55word!'
admin "wp-admin/install.php"
expect_ok "install.php"
admin "wp-admin/install.php?step=2" --data-urlencode "weblog_title=Otklik test shop" -d user_name=admin \
  --data-urlencode "admin_password=$admin_pass" --data-urlencode "admin_password2=$admin_pass" \
  -d admin_email=admin@shop.example -d blog_public=0 -d language= -d Submit=Install
expect_ok "install.php?step=2"
[ "$(wpsql "SELECT option_value FROM wp_options WHERE option_name='siteurl'")" = "$base" ] ||
  fail "WordPress was not installed (siteurl is not $base)"

step "logging in as admin through wp-login.php"
admin "wp-login.php"  # sets the test cookie
admin "wp-login.php" --data-urlencode log=admin --data-urlencode "pwd=$admin_pass" -d wp-submit=Log+In -d testcookie=1 \
  --data-urlencode "redirect_to=$base/wp-admin/plugins.php"
expect_ok "login"
must_have 'otklik%2Fotklik.php' "the plugins screen after login does not list Otklik"

# ---- activate ----------------------------------------------------------------------------------------------
step "activating Otklik on the plugins screen"
link=$(grep -o 'href="plugins.php?action=activate&amp;plugin=otklik%2Fotklik.php[^"]*"' "$page" | head -n 1 |
  sed 's/^href="//; s/"$//' | unamp)
[ -n "$link" ] || fail "no Activate link for Otklik on the plugins screen"
case "$link" in *_wpnonce=*) ;; *) fail "the Activate link has no nonce: $link" ;; esac
admin "wp-admin/$link"
expect_ok "activation"
wpsql "SELECT option_value FROM wp_options WHERE option_name='active_plugins'" | grep -q 'otklik/otklik.php' ||
  fail "Otklik is not in active_plugins after following the Activate link"
must_have 'options-general.php?page=otklik' "no Settings link for Otklik on the plugins screen"

# ---- Settings → Otklik ------------------------------------------------------------------------------------
# save SERVER KEY [hide]: fills in the real form (nonce read from it) and submits it to options.php.
save() {
  admin "wp-admin/options-general.php?page=otklik"
  expect_ok "Settings → Otklik"
  must_have 'name="otklik_settings[server]"' "the settings page has no server field"
  local nonce
  nonce=$(form_nonce)
  [ -n "$nonce" ] || fail "no _wpnonce in the settings form"
  local extra=()
  [ "${3:-}" = hide ] && extra=(-d 'otklik_settings[hide_for_admins]=1')
  admin "wp-admin/options.php" -d option_page=otklik -d action=update --data-urlencode "_wpnonce=$nonce" \
    --data-urlencode "_wp_http_referer=/wp-admin/options-general.php?page=otklik" \
    --data-urlencode "otklik_settings[server]=$1" --data-urlencode "otklik_settings[site_key]=$2" "${extra[@]}"
  expect_ok "saving the settings"  # options.php redirects back to the settings page, with the notices
}
expected_src='https://chat.myshop.example/widget.js?site=my-shop'
check_one_widget() { # FILE WHAT
  local tags
  tags=$(widget_tags "$1")
  [ "$(grep -o 'widget\.js' "$1" | wc -l)" -eq 1 ] ||
    fail "$2: expected exactly one widget.js, found $(grep -o 'widget\.js' "$1" | wc -l): $tags"
  local src
  src=$(sed -E "s/.* src=['\"]([^'\"]*)['\"].*/\1/" <<<"$tags")
  [ "$src" = "$expected_src" ] || fail "$2: the widget's src is '$src', expected '$expected_src'"
  grep -qE '[[:space:]]async([[:space:]>=]|$)' <<<"$tags" || fail "$2: the widget's tag is not async: $tags"
}

step "settings page, English; front page before anything is saved"
admin "wp-admin/options-general.php?page=otklik"
expect_ok "Settings → Otklik"
must_have 'Otklik server address' "English field label missing"
must_have 'The chat widget is not shown yet' "the status line does not say the widget is off"
visit
[ -z "$(widget_tags "$front")" ] || fail "a widget is printed before the settings are saved"

step "saving a valid address (upper case, trailing slash) and key"
save ' https://Chat.MyShop.example:443/ ' 'my-shop'
must_have 'Settings saved.' "no 'Settings saved.' notice after a valid save"
must_not_have 'setting-error-otklik_' "an error notice after a valid save"
must_have 'value="https://chat.myshop.example"' "the address was not normalised to https://chat.myshop.example"
must_have 'The chat widget is shown on every page of the site.' "the status line does not say the widget is on"
[ -z "$(widget_tags "$page")" ] || fail "the widget is printed on an admin page"
visit
check_one_widget "$front" "front page"
echo "    front page: $(widget_tags "$front")"

step "refusing a hostile key and a javascript: address"
hostile='"><script>alert(1)</script>'
save 'https://chat.myshop.example' "$hostile"
must_have 'setting-error-otklik_bad_site_key' "the hostile key was not refused with a notice"
must_have 'The site key was not saved' "the refusal notice does not explain itself"
must_not_have '<script>alert(1)' "the hostile key is printed raw in the admin"
must_have 'value="my-shop"' "the previous key was not kept"
visit
grep -qF 'alert(1)' "$front" && fail "the hostile key reached the front page"
check_one_widget "$front" "front page after the refused key"
save 'javascript:alert(1)//' 'my-shop'
must_have 'setting-error-otklik_bad_server' "a javascript: address was not refused with a notice"
must_have 'value="https://chat.myshop.example"' "the previous address was not kept"
save 'https://chat.myshop.example/?x=1#y' 'my-shop'
must_have 'setting-error-otklik_bad_server' "an address with a query was not refused"

step "hiding the widget from logged-in administrators"
save 'https://chat.myshop.example' 'my-shop' hide
must_have 'except to administrators' "the status line does not mention the administrators"
visit -b "$jar"
[ -z "$(widget_tags "$front")" ] || fail "the widget is shown to an administrator despite the option"
visit
check_one_widget "$front" "front page for a visitor while hidden from administrators"

step "clearing the settings"
save '' ''
must_have 'Settings saved.' "clearing the settings was not accepted"
visit
grep -qF 'widget.js' "$front" && fail "widget.js is printed with empty settings"
save 'https://chat.myshop.example' ''
visit
grep -qF 'widget.js' "$front" && fail "widget.js is printed without a site key"

step "Russian admin texts with the site language ru_RU"
# Debian's core translations (wordpress-l10n) are not installed, so General Settings cannot offer Русский; the
# option it would write is set directly. WordPress then loads the plugin's own otklik-ru_RU.mo.
wpsql "INSERT INTO wp_options (option_name, option_value, autoload) VALUES ('WPLANG', 'ru_RU', 'yes')
       ON DUPLICATE KEY UPDATE option_value = 'ru_RU'"
admin "wp-admin/options-general.php?page=otklik"
expect_ok "Settings → Otklik in Russian"
must_have 'Адрес сервера Отклика' "Russian field label missing"
must_have 'Виджет чата пока не показан' "Russian status line missing"
must_have 'Не показывать виджет вошедшим в систему администраторам' "Russian checkbox label missing"
save 'https://chat.myshop.example' 'My Shop'
must_have 'Ключ сайта не сохранён' "Russian refusal notice missing"
admin "wp-admin/plugins.php"
must_have 'Добавляет на все страницы сайта виджет чата' "Russian plugin description missing on the plugins screen"

step "deactivating and deleting the plugin (uninstall.php)"
link=$(grep -o 'href="plugins.php?action=deactivate&amp;plugin=otklik%2Fotklik.php[^"]*"' "$page" | head -n 1 |
  sed 's/^href="//; s/"$//' | unamp)
[ -n "$link" ] || fail "no Deactivate link for Otklik"
admin "wp-admin/$link"
expect_ok "deactivation"
[ -n "$(wpsql "SELECT 1 FROM wp_options WHERE option_name='otklik_settings'")" ] ||
  fail "deactivation removed the settings (only deleting the plugin should)"
link=$(grep -o 'href="plugins.php?action=delete-selected[^"]*otklik%2Fotklik.php[^"]*"' "$page" | head -n 1 |
  sed 's/^href="//; s/"$//' | unamp)
[ -n "$link" ] || fail "no Delete link for Otklik"
admin "wp-admin/$link"
expect_ok "the delete confirmation"
must_have 'name="verify-delete"' "no delete confirmation form"
nonce=$(form_nonce)
admin "wp-admin/$link" -d verify-delete=1 -d action=delete-selected -d 'checked[]=otklik/otklik.php' \
  --data-urlencode "_wpnonce=$nonce" -d submit=1
expect_ok "deleting the plugin"
[ ! -e "$wp/wp-content/plugins/otklik" ] || fail "the plugin's files are still there after Delete"
[ -z "$(wpsql "SELECT 1 FROM wp_options WHERE option_name='otklik_settings'")" ] ||
  fail "uninstall.php did not remove the otklik_settings option"
visit
grep -qF 'widget.js' "$front" && fail "widget.js is still printed after the plugin was deleted"

# ---- PHP's own complaints about the plugin -----------------------------------------------------------------
if [ -f "$T/debug.log" ] && grep -F 'plugins/otklik/' "$T/debug.log" >&2; then
  fail "PHP reported notices or errors in the plugin (above)"
fi
step "all checks passed"
