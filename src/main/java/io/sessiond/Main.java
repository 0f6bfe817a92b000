package io.sessiond;
public class Main { public static void main(String[] a) {} }
