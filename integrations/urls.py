from django.urls import path

from . import calendar_views, import_views, notification_views, views

app_name = "integrations"
urlpatterns = [
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/feed/<str:token>.ics", calendar_views.calendar_feed, name="calendar-feed"),
    path("import/board/", import_views.board_import, name="board-import"),
    path("import/wiki/", import_views.wiki_import, name="wiki-import"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/read-all/", notification_views.notification_read_all, name="notifications-read-all"),
    path("notifications/<id:pk>/read/", notification_views.notification_read, name="notification-read"),
    path("notifications/<id:pk>/open/", notification_views.notification_open, name="notification-open"),
    path("preferences/language/", views.language, name="language"),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/feed/regenerate/", views.feed_regenerate, name="feed-regenerate"),
    path("preferences/feed/revoke/", views.feed_revoke, name="feed-revoke"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<id:pk>/", views.webhook_detail, name="webhook"),
    path("webhooks/<id:pk>/test/", views.webhook_test, name="webhook-test"),
    path("webhooks/<id:pk>/rotate-secret/", views.webhook_rotate, name="webhook-rotate"),
    path("webhooks/<id:pk>/delete/", views.webhook_delete, name="webhook-delete"),
]
